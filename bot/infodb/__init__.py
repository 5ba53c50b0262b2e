"""The information database: verified answers, help points and hotlines, with their sources."""
