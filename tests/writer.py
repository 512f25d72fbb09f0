"""A writer process for the concurrency tests: writes N cases (0 = until killed),
each with a session and a follow-up in one transaction, and prints how many it wrote."""

import sys

from conftest import case_record, followup_record, session_record

from casekit import Store
from casekit.privacy import new_case_id


def main(db: str, count: int) -> None:
    with Store(db, actor=f"writer-{count}") as store:
        written = 0
        while count == 0 or written < count:
            cid = new_case_id()
            store.add_many(
                {
                    "case": [case_record(case_id=cid)],
                    "session": [session_record(cid)],
                    "followup": [followup_record(cid)],
                }
            )
            written += 1
            print(written, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
