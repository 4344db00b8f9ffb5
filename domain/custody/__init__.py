"""The archive office's part of the dossier (档案室): transfer, catalogue, holds, retention, appraisal.

:class:`domain.custody.retention.DossierCustody` is a layer of :class:`domain.dossier.Dossier`,
itself built as a chain of classes, as the loan is: transfers and their receipt
(:mod:`domain.custody.transfers`), then keeping the dossier once received — cataloguing,
retention, appraisal and holds (:mod:`domain.custody.retention`). Public methods are
commands: they check the rules first and then trigger one past-tense event through a private
``@event`` method, whose body is the only place state changes. Configuration (retention class
per document type, custody tiers, the codes of the reference code) stays in the application,
which passes the values it decided to the command.

Until the split every custody event was declared on one class, here
(``domain.custody:DossierCustody.…``). This package deliberately defines no ``DossierCustody``
of its own: an event stored under such a topic resolves only through the topics the application
registers from :data:`domain.topics.SPLIT`, to the very class that declares it today.
"""
