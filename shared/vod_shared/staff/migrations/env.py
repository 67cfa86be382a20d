from vod_shared.migrations import run_env
from vod_shared.staff.store import VERSION_TABLE, staff_metadata

run_env(staff_metadata, service_tables=False, version_table=VERSION_TABLE)
