"""Shelter addresses, directions and coordinates become encrypted columns (S19).

Only the column types change here (text holding ``acc1:<key id>:<ciphertext>``);
``0003_encrypt_existing_addresses`` encrypts the values already stored. They are
two migrations because PostgreSQL refuses to ALTER a table that has pending
trigger events from an UPDATE in the same transaction (the way back decrypts
rows and then turns the columns plain again).
"""

from django.db import migrations

import accord.encryption.fields


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="address",
            name="address_1",
            field=accord.encryption.fields.EncryptedTextField(max_length=300),
        ),
        migrations.AlterField(
            model_name="address",
            name="address_2",
            field=accord.encryption.fields.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="address",
            name="attention",
            field=accord.encryption.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="address",
            name="city",
            field=accord.encryption.fields.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name="address",
            name="postal_code",
            field=accord.encryption.fields.EncryptedTextField(max_length=40),
        ),
        migrations.AlterField(
            model_name="address",
            name="region",
            field=accord.encryption.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="address",
            name="state_province",
            field=accord.encryption.fields.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name="location",
            name="latitude",
            field=accord.encryption.fields.EncryptedFloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="location",
            name="longitude",
            field=accord.encryption.fields.EncryptedFloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="location",
            name="transportation",
            field=accord.encryption.fields.EncryptedTextField(blank=True),
        ),
    ]
