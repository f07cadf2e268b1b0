"""The page employees use: `streamlit run app/main.py`.

Sign in (app/auth.py: auth_mode), ask in the chat, read the answer with its sources, open the cited file.
Settings come from rag.toml and RAG_* variables (RAG_DOCS_DIR, RAG_STORE_PATH, ...); members of the `admins`
group also get the upload-and-sync panel and the document list (delete, flagged passages).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run app/main.py` puts app/, not the project, on the path
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from app import admin, auth, chat, documents, sidebar  # noqa: E402
from app import engine as engines  # noqa: E402
from app.text import escape_md  # noqa: E402
from rag.errors import ModelError  # noqa: E402
from rag.logs import configure_logging, report_error  # noqa: E402
from rag.settings import get_settings  # noqa: E402

logger = logging.getLogger("app.main")  # run as a script, its __name__ is "__main__"
TITLE = "Ask the documents"


def main() -> None:
    st.set_page_config(page_title="Knowledge base", page_icon=":material/menu_book:")
    settings = get_settings()
    configure_logging(settings)  # every rerun: a no-op once set up
    user = auth.sign_in(settings)  # nothing of the knowledge base shows, or loads, before this
    auth.account(user, settings.auth)
    try:
        engine = engines.get_engine()
    except Exception as e:  # one line on the page, the traceback in the log
        what = "The models could not be loaded" if isinstance(e, ModelError) else "The knowledge base did not open"
        st.error(escape_md(f"{what}: {report_error(logger, 'loading the engine', e)}"), icon=":material/error:")
        st.stop()
    engines.refresh_index(engine)  # another process's sync shows without a restart
    options = sidebar.render(engine, user)
    admin.render(engine, user)
    st.title(TITLE)
    st.caption("Answers come only from the company documents, with their sources. "
               "Everything runs on this machine.")
    documents.render(engine, user)
    chat.render(engine, options, user)


main()
