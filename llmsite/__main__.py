from llmsite.cli import main

raise SystemExit(main())
