"""`python -m rag.models list | prepare NAME... | path NAME | fetch NAME`."""

import sys

from rag.models.cli import main

sys.exit(main())
