"""Media: the asset library, platform profiles, edit specs and FFmpeg renditions."""
