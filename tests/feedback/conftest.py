"""A throwaway database on a real PostgreSQL server, for the store's tests (no mocks of the database).

COMPLAINTS_TEST_POSTGRES_URL may name a server where the tests can create databases (an admin URL such
as postgresql+psycopg://user:password@host/postgres). Otherwise the local Debian cluster is used: when
running as root, it is started (pg_ctlcluster) and a test role is created through the postgres user;
`.ci/run` installs the postgresql package when it is missing. The tests skip, saying why, only when no
server can be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

ADMIN_VARIABLE = "COMPLAINTS_TEST_POSTGRES_URL"
ROLE = PASSWORD = "complaints_test"
LOCAL_ADMIN = f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:5432/postgres"


def _run(*command: str, given: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, input=given, capture_output=True, text=True, timeout=60, check=False)


def _start_local_cluster() -> str | None:
    """Start Debian's cluster and create the test role; None when done, else why it could not be."""
    if shutil.which("pg_lsclusters") is None:
        return "no PostgreSQL server is installed (apt-get install postgresql; .ci/run does it)"
    if os.geteuid() != 0:
        return None  # not ours to start: perhaps it runs already, with the role (tried below)
    clusters = [line.split() for line in _run("pg_lsclusters", "--no-header").stdout.splitlines() if line.strip()]
    if not clusters:
        return "PostgreSQL is installed but has no cluster (pg_createcluster 15 main)"
    version, name, status = clusters[0][0], clusters[0][1], clusters[0][3]
    if status != "online":
        started = _run("pg_ctlcluster", version, name, "start")
        if started.returncode != 0:
            return f"pg_ctlcluster {version} {name} start failed: {started.stderr.strip()[:200]}"
    role = (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
        f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'; END IF; END $$;"
    )
    made = _run("su", "postgres", "-c", "psql -v ON_ERROR_STOP=1 -q", given=role)  # stdin: no shell quoting
    if made.returncode != 0:
        return f"could not create the test role: {made.stderr.strip()[:200]}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a new, empty database on a real PostgreSQL server; dropped after the session."""
    sa = pytest.importorskip("sqlalchemy")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'complaints-pipeline[postgres]')")
    admin = os.environ.get(ADMIN_VARIABLE)
    if not admin:
        why = _start_local_cluster()
        if why:
            pytest.skip(f"PostgreSQL tests skipped: {why}")
        admin = LOCAL_ADMIN
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"complaints_test_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        engine.dispose()
        pytest.skip(f"PostgreSQL tests skipped: cannot reach the server at {admin.split('@')[-1]} ({error.orig})")
    try:
        yield sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
