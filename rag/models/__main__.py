"""`python -m rag.models list | prepare NAME... | path NAME | fetch NAME`."""

import sys

from rag.logs import cli_errors, configure_logging
from rag.models import main
from rag.settings import get_settings


@cli_errors("python -m rag.models")
def run(argv: list[str] | None = None) -> int:
    configure_logging(get_settings())
    return main(argv)


sys.exit(run())
