from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from monitor.timestamps import SHANGHAI, UTCDateTime


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_the_fused_bind_processor_binds_what_the_decorator_chain_binds(dialect):
    column = UTCDateTime().dialect_impl(dialect)
    fused, chain = column.bind_processor(dialect), TypeDecorator.bind_processor(column, dialect)
    now = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
    values = [now, now, None, now.astimezone(SHANGHAI), now - timedelta(minutes=7), now,
              datetime(2026, 11, 20, 12, 0, 0, 123, tzinfo=timezone(timedelta(hours=8))), now]
    assert [fused(v) for v in values] == [chain(v) for v in values]
    with pytest.raises(ValueError, match="naive datetime"):
        fused(datetime(2026, 11, 20, 9, 30))


def test_sqlite_stores_utc_without_offset_so_that_text_order_is_time_order():
    dialect = sqlite.dialect()
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process(datetime(2026, 11, 20, 8, 0, tzinfo=SHANGHAI)) == "2026-11-20 00:00:00.000000"
