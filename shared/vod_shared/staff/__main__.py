import sys

from vod_shared.staff.cli import main

sys.exit(main())
