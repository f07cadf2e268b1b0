"""The Streamlit page employees use: `streamlit run app/main.py`."""
