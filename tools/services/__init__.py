"""The tool's work, kept out of views: jobs (create, delete, purge), rendering and files."""
