"""What every app's pages share and no app owns: the navigation registry, the date and time
pickers, the words for codes. This package imports no app (apps register into it in their
``AppConfig.ready``), so every app may import it without a cycle; see docs/architecture.md."""
