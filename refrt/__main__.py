import sys

from refrt.cli import main

sys.exit(main())
