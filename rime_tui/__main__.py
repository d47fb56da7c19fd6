from rime_tui.cli import main

raise SystemExit(main())
