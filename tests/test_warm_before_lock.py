"""The reader and the identifier guard are built before the first write transaction, not inside it: built
inside, they held the database's write lock for seconds while other processes waited, and one gave up
("database is locked", an answer lost: benchmarks/faults.py, four consoles starting at once)."""

from __future__ import annotations

import json
import subprocess
import sys

#: Run in a fresh interpreter: in the test process both are long built by other tests.
PROBE = """
import json, sys
from contextlib import contextmanager
from itb_screen.dialogue import Dialogue, Identity
from itb_screen.dialogue.reader import _pipeline
from itb_screen.storage import Store
from itb_screen.storage.identifiers import _recognizers

store = Store(sys.argv[1])
built, inner = [], store.transaction

@contextmanager
def watched():
    reader = _pipeline.nlp.cache_info().currsize > 0
    built.append(reader and _recognizers.recognizers.cache_info().currsize > 0)
    with inner():
        yield

store.transaction = watched
dialogue = Dialogue(store)
lee = Identity("console", "lee")
dialogue.handle(lee, "/new WARM-1")
dialogue.handle(lee, "45")
print(json.dumps(built))
"""


def test_the_first_input_builds_the_reader_and_the_guard_before_taking_the_write_lock(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "itb.db")], capture_output=True, text=True, check=True
    )
    built = json.loads(done.stdout.strip().splitlines()[-1])
    assert built and all(built), built
