"""Admin part (only for members of the `admins` group): what the knowledge base holds and who may read it,
the files that could not be read, the passages flagged as instructions; delete a document, clear a flag
an admin judges harmless (or set it again).

File names and passages are document text: always escaped, never markdown or HTML.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from app.engine import exclusive
from app.files import remove_doc
from app.sidebar import synced
from app.text import escape_md, one_line, quote_md
from rag.errors import InvalidInput, StoreLocked
from rag.logs import report_error
from rag.text.instructions import find_instruction

if TYPE_CHECKING:
    from rag.engine import Engine
    from rag.store.catalog import FileRecord
    from rag.store.knowledge_base import FlaggedPassage
    from rag.users import User

logger = logging.getLogger(__name__)

TITLE = "Admin: documents"
NOBODY = "nobody (no access rule matches)"
_RESULT = "documents_result"  # (succeeded, markdown) of the last action, shown once
_CONFIRM = "documents_confirm"  # the file whose deletion waits for a confirmation
_EXCERPT_CHARS = 320
_WAIT = "Waiting for the answer in progress to finish…"
_LOCKED = "{what}: {why}. Try again when it has finished."


def render(engine: Engine, user: User) -> None:
    if not user.is_admin:
        return
    with st.expander(TITLE, icon=":material/folder_managed:"):
        panel(engine, user)


def panel(engine: Engine, user: User) -> None:
    result = st.session_state.pop(_RESULT, None)
    if result is not None:
        succeeded, text = result
        (st.success if succeeded else st.error)(text)
    passages = engine.index.flagged_passages()
    document_list(engine, Counter(p.file for p in passages if not p.cleared))
    flagged_list(engine, user, passages)
    delete_form(engine, user)


def readers(groups: list[str] | None) -> str:
    if groups is None:  # a catalog from before access rules: open, as every file was then
        return "everyone"
    return ", ".join(groups) or NOBODY


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _facts(rec: FileRecord, flagged: int) -> str:
    parts = [rec.kind.upper() or "unknown kind"]
    if rec.pages:
        parts.append(_count(rec.pages, "page"))
    parts.append(_count(rec.chunks, "passage"))
    if flagged:
        parts.append(f"{flagged} flagged")
    parts += [f"ingested {synced(rec.ingested_at)}", f"readable by {readers(rec.groups)}"]
    return " · ".join(escape_md(p) for p in parts)


def document_list(engine: Engine, flagged: Counter[str]) -> None:
    m = engine.index.manifest
    st.subheader(f"Documents ({len(m.files)})")
    if m.files:
        st.markdown("\n".join(f"- **{escape_md(rel)}**  \n  {_facts(rec, flagged[rel])}"
                              for rel, rec in sorted(m.files.items())))
    else:
        st.caption("No document is in the knowledge base.")
    if m.failed:
        st.subheader(f"Not readable ({len(m.failed)})")
        lines = []
        for rel, bad in sorted(m.failed.items()):
            kept = " The previous version is still in use." if rel in m.files else ""
            lines.append(f"- **{escape_md(rel)}**: {escape_md(bad.error + kept)}")
        st.markdown("\n".join(lines))


def flagged_list(engine: Engine, user: User, passages: list[FlaggedPassage]) -> None:
    held = sum(not p.cleared for p in passages)
    st.subheader(f"Flagged passages ({held})")
    st.caption("Passages that read as instructions to an AI are kept out of answers. Clear a flag when a "
               "passage is harmless: it then takes part in answers, also after later syncs, while its text "
               "stays the same.")
    for p in passages:
        with st.container(border=True, key=f"documents-passage-{p.id}"):
            where = escape_md(p.file) + (f" · page {p.page}" if p.page is not None else "")
            state = "cleared, takes part in answers" if p.cleared else "kept out of answers"
            st.markdown(f"**{where}** · {escape_md(p.reason)} · *{state}*")
            st.markdown(quote_md(one_line(p.text, _EXCERPT_CHARS)))
            found = find_instruction(p.text)
            if found is not None:
                st.caption(f"Matched: {escape_md(found.excerpt)}")
            if p.cleared:
                if st.button("Flag again", key=f"documents_flag_{p.id}", icon=":material/flag:"):
                    _act(engine, user, "flag again", p, engine.index.flag_again)
            elif st.button("Clear flag", key=f"documents_clear_{p.id}", icon=":material/check:"):
                _act(engine, user, "clear the flag", p, engine.index.clear_flag)


def _act(engine: Engine, user: User, what: str, p: FlaggedPassage, change: Callable[[str, str], None]) -> None:
    logger.info("%s of %s passage %s from the page, by %s", what, p.file, p.id, user.name)
    where = f"**{escape_md(p.file)}**" + (f" page {p.page}" if p.page is not None else "")
    try:
        with exclusive(_WAIT), engine.index.writer():
            change(p.file, p.id)
        done = "cleared: it takes part in answers" if what == "clear the flag" else "flagged again"
        st.session_state[_RESULT] = (True, f"The passage of {where} is {done}.")
    except StoreLocked as e:
        st.session_state[_RESULT] = (False, _LOCKED.format(what="Nothing was changed", why=escape_md(str(e))))
    except Exception as e:  # shown to the admin; an unexpected one's traceback goes to the log
        line = report_error(logger, f"{what} of {p.file} passage {p.id}", e)
        reason = line if isinstance(e, InvalidInput) else f"the change failed: {line}"
        st.session_state[_RESULT] = (False, f"{where}: {escape_md(reason)}")
    st.rerun()


def delete_form(engine: Engine, user: User) -> None:
    m = engine.index.manifest
    choices = sorted(set(m.files) | set(m.failed))
    st.subheader("Delete a document")
    pending = st.session_state.get(_CONFIRM)
    if pending is None:
        if not choices:
            st.caption("There is nothing to delete.")
            return
        rel = st.selectbox("Document", choices, index=None, key="documents_pick", placeholder="Choose a document")
        if st.button("Delete…", key="documents_delete", disabled=rel is None, icon=":material/delete:"):
            st.session_state[_CONFIRM] = rel
            st.rerun()
        return
    st.warning(f"Delete **{escape_md(pending)}** from the documents folder and from the knowledge base? "
               "This cannot be undone.")
    left, right = st.columns(2)
    if left.button("Delete it", type="primary", key="documents_delete_confirm", icon=":material/delete:"):
        del st.session_state[_CONFIRM]
        st.session_state[_RESULT] = delete(engine, pending, user)
        st.rerun()
    if right.button("Cancel", key="documents_delete_cancel"):
        del st.session_state[_CONFIRM]
        st.rerun()


def delete(engine: Engine, rel: str, user: User) -> tuple[bool, str]:
    """Delete the file from the docs folder, then its passages from the store and the lexical index, so
    nothing of it can be found: (succeeded, what to show)."""
    logger.info("delete of %s from the page, by %s", rel, user.name)
    index = engine.index
    name = f"**{escape_md(rel)}**"
    try:
        with exclusive(_WAIT), index.writer():
            known = rel in index.manifest.files or rel in index.manifest.failed
            try:
                removed = remove_doc(engine.settings.store.docs_dir, rel)
            except OSError as e:
                return False, f"{name} was not deleted: {escape_md(report_error(logger, f'deleting {rel}', e))}"
            if not removed and not known:
                return False, f"{name} is neither in the documents folder nor in the knowledge base."
            try:
                index.delete_file(rel)
                index.rebuild_lexical()
            except Exception as e:  # the folder is the truth: the next sync removes what is left
                line = escape_md(report_error(logger, f"removing {rel} from the knowledge base", e))
                what = (f"{name} was deleted from the documents folder, but removing it" if removed
                        else f"Removing {name}")
                return False, f"{what} from the knowledge base failed: {line}. The next sync finishes it."
    except StoreLocked as e:
        return False, _LOCKED.format(what="Nothing was deleted", why=escape_md(str(e)))
    return True, f"{name} was deleted" + ("." if removed else " (it was no longer in the documents folder).")
