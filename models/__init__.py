"""Computer-vision models without Streamlit: one subpackage per capability, the model store and the runtime.

Usable from a page, a CLI or a notebook. Importing a package loads no TensorFlow: models load on first use.
"""
