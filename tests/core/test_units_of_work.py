"""Who commits shows at the signature: a function decorated with db.unit_of_work is one
transaction, committed when it returns and rolled back when it raises, and nothing else in
app/ commits."""

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.core import db
from app.core.config import PROJECT_ROOT
from app.core.models import OrganizationPolicy

APP = PROJECT_ROOT / "app"
THE_DECORATOR = APP / "core" / "db.py"


class Refused(Exception):
    pass


class Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's error carries for PostgreSQL's deadlock_detected


@db.unit_of_work
def record(session: Session, name: str, *, then_raise: bool = False) -> None:
    session.add(OrganizationPolicy(name=name, value=1))
    if then_raise:
        raise Refused()


@db.unit_of_work
def record_twice(session: Session) -> None:
    record(session, "inner")


def recorded(name: str) -> int:
    with Session(db.engine()) as other:  # another connection: only committed rows
        return other.scalar(select(func.count()).where(OrganizationPolicy.name == name)) or 0


def test_a_unit_is_committed_when_it_returns(app: Flask) -> None:
    with app.app_context():
        record(db.session(), "kept")
        assert recorded("kept") == 1


def test_a_unit_leaves_nothing_when_it_raises(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(Refused):
            record(db.session(), "refused", then_raise=True)
        db.session().commit()  # a caller's later commit must not save it either
        assert recorded("refused") == 0


def test_a_unit_inside_another_is_refused(app: Flask) -> None:
    with app.app_context():
        with pytest.raises(db.NestedUnitOfWork):
            record_twice(db.session())
        assert recorded("inner") == 0
        record(db.session(), "after")  # the refusal left the session usable
        assert recorded("after") == 1


def test_a_unit_aborted_by_a_deadlock_runs_again(app: Flask) -> None:
    attempts: list[int] = []

    @db.unit_of_work
    def deadlocked_once(session: Session) -> None:
        attempts.append(1)
        session.add(OrganizationPolicy(name="retried", value=len(attempts)))
        if len(attempts) == 1:
            raise DBAPIError("UPDATE", None, Deadlock())

    with app.app_context():
        deadlocked_once(db.session())
        assert len(attempts) == 2
        assert recorded("retried") == 1


def commits_outside_units(root: Path) -> list[str]:
    """Every ``.commit()`` call under ``root`` but the decorator's own."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if path == THE_DECORATOR:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
            ):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno}")
    return found


def test_nothing_in_app_commits_but_the_unit_of_work() -> None:
    assert commits_outside_units(APP) == []


def test_the_check_finds_a_commit(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "rogue.py").write_text("def save(session):\n    session.commit()\n")
    assert commits_outside_units(tmp_path / "app") == ["app/rogue.py:2"]
