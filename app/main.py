"""The page employees use: `streamlit run app/main.py`.

Ask in the chat, read the answer with its sources, open the cited file. Settings come from rag.toml and
RAG_* variables (RAG_DOCS_DIR, RAG_STORE_PATH, ...); RAG_ADMIN=1 adds the upload-and-sync panel.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run app/main.py` puts app/, not the project, on the path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from app import admin, chat, sidebar  # noqa: E402
from app import engine as engines  # noqa: E402

TITLE = "Ask the documents"


def main() -> None:
    st.set_page_config(page_title="Knowledge base", page_icon=":material/menu_book:")
    from rag.errors import ModelError

    try:
        engine = engines.get_engine()
    except ModelError as e:
        st.error(f"The models could not be loaded: {e}", icon=":material/error:")
        st.stop()
    engines.refresh_index(engine)  # another process's sync shows without a restart
    options = sidebar.render(engine)
    admin.render(engine)
    st.title(TITLE)
    st.caption("Answers come only from the company documents, with their sources. "
               "Everything runs on this machine.")
    chat.render(engine, options)


main()
