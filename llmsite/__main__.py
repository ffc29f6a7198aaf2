from llmsite.site.cli import main

raise SystemExit(main())
