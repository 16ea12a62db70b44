"""Reports: maps, replays and files for other tools (PNG, GeoJSON, KML, ...)."""
