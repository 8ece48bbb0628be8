"""Every existing task force gets the English and Spanish release wording Accord ships.

Wording recorded before languages existed keeps its text (releases point at it); its
language code is set from its language name. The shipped texts are copied into this
migration so that later edits of ``accord.sharing.wording`` never change what it installs.
"""

from __future__ import annotations

from django.db import migrations

#: Frozen here: (code, language, release text, notice, category words, three labels).
WORDING = [('en',
  'English',
  'My agreement to share information\n'
  '\n'
  'I agree that {provider} can share some of my information.\n'
  '\n'
  'Who can see it: {recipients}.\n'
  '\n'
  'What they can see: {categories}.\n'
  '\n'
  'This agreement ends on {date}. After that, they can not see it.\n'
  '\n'
  'I do not have to sign this. If I say no, {provider} will still help me. My services will '
  'not change.\n'
  '\n'
  'I can stop this at any time. To stop it, I tell {advocate} or anyone at {provider}. I can '
  'say it or write it. It stops right away.\n'
  '\n'
  'I can ask for a copy of this paper.',
  'I stopped my agreement to share information\n'
  '\n'
  'On {date}, I stopped my agreement.\n'
  '\n'
  '{provider} does not share my information with {recipients} now.\n'
  '\n'
  'They can not see: {categories}.\n'
  '\n'
  '{provider} will still help me. My services will not change.\n'
  '\n'
  'If I want to share again, I can sign a new agreement.',
  {'contact': 'how to reach me',
   'identity': 'my name and date of birth',
   'location': 'where I stay',
   'needs': 'what I need and the help I get',
   'safety': 'my safety plan'},
  'My signature',
  'Signature of my parent or guardian (if I am under 18)',
  'Date'),
 ('es',
  'Spanish',
  'Mi acuerdo para compartir información\n'
  '\n'
  'Acepto que {provider} comparta parte de mi información.\n'
  '\n'
  'Quién la puede ver: {recipients}.\n'
  '\n'
  'Qué pueden ver: {categories}.\n'
  '\n'
  'Este acuerdo termina el {date}. Después de ese día, ya no la pueden ver.\n'
  '\n'
  'No tengo que firmar esto. Si digo que no, {provider} me va a seguir ayudando. Mis servicios '
  'no van a cambiar.\n'
  '\n'
  'Puedo parar esto cuando quiera. Para pararlo, se lo digo a {advocate} o a otra persona de '
  '{provider}. Lo puedo decir o escribir. Se para en ese momento.\n'
  '\n'
  'Puedo pedir una copia de este papel.',
  'Paré mi acuerdo para compartir información\n'
  '\n'
  'El {date} paré mi acuerdo.\n'
  '\n'
  'Ahora {provider} no comparte mi información con {recipients}.\n'
  '\n'
  'Ya no pueden ver: {categories}.\n'
  '\n'
  '{provider} me va a seguir ayudando. Mis servicios no van a cambiar.\n'
  '\n'
  'Si quiero compartir otra vez, puedo firmar un acuerdo nuevo.',
  {'contact': 'cómo hablar conmigo',
   'identity': 'mi nombre y mi fecha de nacimiento',
   'location': 'dónde me quedo',
   'needs': 'lo que necesito y la ayuda que recibo',
   'safety': 'mi plan de seguridad'},
  'Mi firma',
  'Firma de mi madre, padre o tutor (si tengo menos de 18 años)',
  'Fecha')]
SHIPPED_VERSION = "1"
CODES = {"english": "en", "spanish": "es", "español": "es"}


def install(apps, schema_editor):
    TaskForce = apps.get_model("accounts", "TaskForce")
    ConsentText = apps.get_model("sharing", "ConsentText")
    for text in ConsentText.objects.all():
        code = CODES.get(text.language.strip().lower())
        if code and text.language_code != code:
            text.language_code = code
            text.save(update_fields=["language_code"])
    for task_force in TaskForce.objects.all():
        for code, language, text, notice, words, signature, guardian, day in WORDING:
            mine = ConsentText.objects.filter(task_force=task_force, language=language)
            if mine.filter(text=text).exists():
                continue  # installed already
            versions = set(mine.values_list("version", flat=True))
            version, number = SHIPPED_VERSION, 1
            while version in versions:
                number += 1
                version = str(number)
            ConsentText.objects.create(
                task_force=task_force,
                version=version,
                language=language,
                language_code=code,
                text=text,
                revocation_notice=notice,
                category_words=words,
                signature_label=signature,
                guardian_signature_label=guardian,
                date_label=day,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_lockout_and_sessions"),
        ("sharing", "0002_consent_text_languages"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
