"""Streamlit websocket-protocol visitors (bench/stproto/client.py) and the load workload they run."""
