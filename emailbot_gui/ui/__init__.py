"""The Qt layer: windows, panels, dialogs and table models. It talks to the core only through
`TriageConsole` and its `EventHub`; nothing outside this package imports Qt."""
