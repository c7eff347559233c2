"""Unfold's strings that Django's own zh_Hans catalogs leave untranslated.

Never imported: it only exists so that ``makemessages`` (run from the ``minzheng`` folder, which
does not scan the virtualenv) keeps these msgids in ``locale/*/LC_MESSAGES/django.po``; their
Chinese translations live in ``locale/zh_Hans/LC_MESSAGES/django.po``, and ``en`` translates them
to themselves. It must live outside ``locale`` (makemessages skips ``locale`` folders): in
``minzheng/core/``.

The list covers every ``{% translate %}``/``{% blocktranslate %}`` and ``gettext`` msgid in
django-unfold 0.91 (templates, Python code, ``unfold.contrib.*``) that ``gettext`` under
``zh-hans`` returned unchanged. When Unfold is upgraded, re-extract its msgids, add the new
untranslated ones here, then run ``makemessages`` and translate them. The blocktranslate msgids
keep the template's exact whitespace on purpose: it is part of the msgid.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

UNFOLD_MSGIDS = (
    gettext_noop("Add new item"),
    gettext_noop("Add row"),
    gettext_noop("After you've created a user, you’ll be able to edit more user options."),
    gettext_noop("All applications"),
    gettext_noop("Apply Filters"),
    gettext_noop(
        "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'"
    ),
    gettext_noop("Bold"),
    gettext_noop("Cancel"),
    gettext_noop("Change History"),
    gettext_noop("Change reason"),
    gettext_noop("Changed by"),
    gettext_noop("Changes"),
    gettext_noop("Choose a date from the list below to revert to a previous version of this object"),
    gettext_noop("Choose file to upload"),
    gettext_noop("Click to cancel"),
    gettext_noop("Click to download"),
    gettext_noop("Code"),
    gettext_noop("Collapse"),
    gettext_noop("Comment"),
    gettext_noop("Confirm import"),
    gettext_noop("Current file"),
    gettext_noop("Dark"),
    gettext_noop("Dataset not found. No action performed."),
    gettext_noop("Date"),
    gettext_noop("Date from"),
    gettext_noop("Date to"),
    gettext_noop("Default"),
    gettext_noop("Edit"),
    gettext_noop("Enter an URL"),
    gettext_noop("Expand row"),
    gettext_noop("Export"),
    gettext_noop("False"),
    gettext_noop("From"),
    gettext_noop("General"),
    gettext_noop("Go back"),
    gettext_noop("Group"),
    gettext_noop("Group permissions"),
    gettext_noop("Heading"),
    gettext_noop("Image preview"),
    gettext_noop("Import"),
    gettext_noop("Indent decrease"),
    gettext_noop("Indent increase"),
    gettext_noop("Italic"),
    gettext_noop("Light"),
    gettext_noop("Line number"),
    gettext_noop("Link"),
    gettext_noop("Loading more results..."),
    gettext_noop("Manage group"),
    gettext_noop("Manage user"),
    gettext_noop("More actions"),
    gettext_noop("Name"),
    gettext_noop("New"),
    gettext_noop("Next"),
    gettext_noop("No data"),
    gettext_noop("No recent searches"),
    gettext_noop("No results found"),
    gettext_noop("No results matching your query"),
    gettext_noop("Non field specific"),
    gettext_noop("Not enough data."),
    gettext_noop("Object"),
    gettext_noop("Object permissions"),
    gettext_noop("Ordered list"),
    gettext_noop("Paragraph"),
    gettext_noop(
        "Please correct these errors in your data where possible, then reupload it using the form above."
    ),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    gettext_noop("Previous"),
    gettext_noop("Quote"),
    gettext_noop(
        'Raw passwords are not stored, so there is no way to see this user’s password, but you can change the password using <a href="{}" class="text-primary-600 dark:text-primary-500">this form</a>.'
    ),
    gettext_noop("Recent searches"),
    gettext_noop("Record picture"),
    gettext_noop("Redo"),
    gettext_noop("Reset filters"),
    gettext_noop("Reset to default"),
    gettext_noop("Return to site"),
    gettext_noop("Revert"),
    gettext_noop("Row"),
    gettext_noop("Run"),
    gettext_noop("Search apps and models..."),
    gettext_noop("Select action"),
    gettext_noop("Select action to run"),
    gettext_noop("Select all rows"),
    gettext_noop("Select currency"),
    gettext_noop("Select format"),
    gettext_noop("Select record"),
    gettext_noop("Select value"),
    gettext_noop("Skipped"),
    gettext_noop("Some rows failed to validate"),
    gettext_noop("Strike"),
    gettext_noop("Submit"),
    gettext_noop("System"),
    gettext_noop("This exporter will export the following fields"),
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("This importer will import the following fields: "),
    gettext_noop("This item will be deleted."),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("This page yielded into no results. Create a new item or reset your filters."),
    gettext_noop("To"),
    gettext_noop("Toggle password visibility"),
    gettext_noop("True"),
    gettext_noop("Type to search"),
    gettext_noop("Underlined"),
    gettext_noop("Undo"),
    gettext_noop("Unlink"),
    gettext_noop("Unordered list"),
    gettext_noop("Update"),
    gettext_noop("User permissions"),
    gettext_noop("Value"),
    gettext_noop("View traceback"),
    gettext_noop("Welcome back to"),
    gettext_noop("You can not create nested object without parent"),
    gettext_noop("You have been successfully logged out from the administration"),
)

UNFOLD_PLURAL_MSGIDS = (
    ngettext_lazy(
        "\n                    Export %(len)s selected item.\n                ",
        "\n                    Export %(len)s selected items.\n                ",
        "n",
    ),
    ngettext_lazy(
        "\n                Found %(counter)s result in %(time)s seconds\n            ",
        "\n                Found %(counter)s results in %(time)s seconds\n            ",
        "n",
    ),
)
