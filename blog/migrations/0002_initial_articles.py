"""Frozen: articles are content, loaded by ``manage.py load_articles`` (from blog/content/*.md).

This migration once imported live modules and read the .md files at migrate time, so edits
never reached databases that had already migrated. It now does nothing, and stays so that
databases which ran it keep a consistent history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
