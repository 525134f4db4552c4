"""Search indexes for the person search key, and the seeded taxonomies."""

from django.db import migrations

HARMS = [
    ("addiction", "اعتیاد", "addiction"),
    ("child_labour", "کار کودک", "child labour"),
    ("school_dropout", "ترک تحصیل", "school dropout"),
    ("domestic_violence", "خشونت خانگی", "domestic violence"),
    ("early_marriage", "ازدواج زودهنگام", "early marriage"),
    ("begging", "تکدی‌گری", "begging"),
    ("unemployment", "بیکاری", "unemployment"),
    ("homelessness", "بی‌خانمانی", "homelessness"),
    ("prisoner_family", "عضو زندانی در خانواده", "a family member in prison"),
]

ITEMS = [
    ("no_income", "خانوار درآمد ثابتی ندارد", "The household has no regular income", 3),
    ("female_head", "سرپرست خانوار زن است", "The head of household is a woman", 2),
    ("disabled_member", "عضو دارای معلولیت یا بیماری مزمن دارد", "A member has a disability or chronic illness", 2),
    ("child_out_of_school", "کودک لازم‌التعلیم بازمانده از تحصیل دارد", "A school-age child is out of school", 3),
    ("no_insurance", "اعضای خانوار بیمهٔ درمانی ندارند", "Members have no health insurance", 2),
    ("informal_housing", "مسکن ناپایدار یا غیررسمی", "Insecure or informal housing", 2),
    ("food_insecurity", "ناامنی غذایی در ماه گذشته", "Food insecurity in the past month", 3),
    ("undocumented", "عضو فاقد مدرک هویتی دارد", "A member has no identity document", 2),
    ("debt", "بدهی سنگین", "Heavy debt", 1),
]


def seed(apps, schema_editor):
    HarmType = apps.get_model("registry", "HarmType")
    AssessmentItem = apps.get_model("registry", "AssessmentItem")
    for order, (code, fa, en) in enumerate(HARMS):
        HarmType.objects.get_or_create(code=code, defaults={"name_fa": fa, "name_en": en, "order": order})
    for order, (code, fa, en, weight) in enumerate(ITEMS):
        AssessmentItem.objects.get_or_create(
            code=code, defaults={"label_fa": fa, "label_en": en, "weight": weight, "order": order}
        )


def create_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # pg_trgm makes LIKE '%part%' on the folded key an index scan.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS registry_person_search_trgm "
            "ON registry_person USING gin (search_key gin_trgm_ops)"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS registry_household_search_trgm "
            "ON registry_household USING gin (search_key gin_trgm_ops)"
        )
    elif vendor == "sqlite":
        # FTS5 trigram table keyed by the person id; the services keep it in step.
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS registry_person_fts "
            "USING fts5(search_key, tokenize='trigram')"
        )


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_person_search_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS registry_household_search_trgm")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS registry_person_fts")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
