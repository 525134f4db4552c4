"""The residents' trigram index starts with the office (PostgreSQL; btree_gin).

pg_trgm's index alone finds a name part's matches in every office; the office's filter came after,
on the rows fetched. At national scale a common part matches hundreds of thousands of residents
and a small office's twenty are among the last found. With the office inside the index, the scan
intersects the office's entries with the trigrams' before it reads a row. A search without an
office (a province's or the country's) uses the same index on its second column alone. SQLite
keeps its FTS5 table.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_person_office_search_trgm "
        "ON registry_person USING gin (office_id, search_key gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS registry_person_search_trgm")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_person_search_trgm "
        "ON registry_person USING gin (search_key gin_trgm_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS registry_person_office_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0012_lean_write_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
