"""The company's own customer database: its address (without the password, which goes to the keyring),
the password, and where the customers, contracts and tickets are — table and column names, prefilled
with defaults or the original EmailBot schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from emailbot_gui.config.secrets import CUSTOMER_DB_PASSWORD
from emailbot_gui.config.settings import Settings
from emailbot_gui.connectors.customer_db import DEFAULT_COLUMNS, ORIGINAL_DESIGN_SCHEMA, CustomerSchema
from emailbot_gui.ui.wizard import validation as v
from emailbot_gui.ui.wizard.crm_section import CrmSection
from emailbot_gui.ui.wizard.fields import CheckedField
from emailbot_gui.ui.wizard.secret_field import SecretField
from emailbot_gui.ui.wizard.section import FormContext

DEFAULT_SCHEMA = CustomerSchema()
PRESETS: dict[str, CustomerSchema] = {"Standard names": DEFAULT_SCHEMA,
                                      "The original EmailBot schema": ORIGINAL_DESIGN_SCHEMA}
COLUMN_KEYS: tuple[str, ...] = tuple(dict.fromkeys(
    [*DEFAULT_COLUMNS, *ORIGINAL_DESIGN_SCHEMA.columns, "ticket.description", "ticket.marker"]))
LINKS = {"customer_id": "by the customer's ID", "email": "by the customer's email address"}


def mapping_of(schema: CustomerSchema) -> dict[str, Any]:
    """The settings' `customer_db_mapping`: only what differs from the defaults ({} = all defaults)."""
    out: dict[str, Any] = {}
    for f in dataclass_fields(CustomerSchema):
        value = getattr(schema, f.name)
        default = getattr(DEFAULT_SCHEMA, f.name)
        if f.name == "columns":
            if dict(value) != dict(default):
                out["columns"] = {k: c for k, c in value.items() if c}
        elif value != default:
            out[f.name] = value
    return out


def schema_of(mapping: Mapping[str, Any]) -> CustomerSchema:
    known = {f.name for f in dataclass_fields(CustomerSchema)}
    values = {k: val for k, val in mapping.items() if k in known}
    if "columns" in values:
        values["columns"] = {str(k): str(c) for k, c in dict(values["columns"]).items()}
    return CustomerSchema(**values)


class CustomerDbSection(CrmSection):
    key = "customer_db"
    label = "a customer database"
    enabled_field = "customer_db_enabled"

    def __init__(self, ctx: FormContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Looks the sender up in your own customer database (PostgreSQL, read-only, with a "
                              "statement timeout): customer, active contract and recent tickets.", parent)
        self.title = "Customer database"
        self._active_status = DEFAULT_SCHEMA.active_status
        self.url = CheckedField(v.database_url, name="dbUrl",
                                placeholder="postgresql://reader@db.example.com:5432/crm")
        self.password = SecretField(lambda: CUSTOMER_DB_PASSWORD, object_name="dbPassword",
                                    placeholder="The database user's password")
        self.preset = QComboBox(self)
        self.preset.setObjectName("dbPreset")
        self.preset.addItem("Choose a preset…")
        self.preset.addItems(list(PRESETS))
        self.preset.setMaximumWidth(280)
        self.customers = CheckedField(lambda t: v.identifier(t, "customers table"), name="dbCustomers")
        self.contracts = CheckedField(lambda t: v.identifier(t, "contracts table", optional=True),
                                      name="dbContracts", placeholder="Empty: no contracts table")
        self.tickets = CheckedField(lambda t: v.identifier(t, "tickets table"), name="dbTickets")
        self.db_schema = CheckedField(lambda t: v.identifier(t, "schema", optional=True), name="dbSchema",
                                      placeholder="Empty: the connection's default (public)")
        self.link = QComboBox(self)
        self.link.setObjectName("dbTicketLink")
        for key, text in LINKS.items():
            self.link.addItem(text, key)
        self.link.setMaximumWidth(280)
        self.columns_button = QPushButton("Column names…", self)
        self.columns_button.setObjectName("dbColumnsButton")
        self.columns_button.setCheckable(True)
        self.columns = QTableWidget(len(COLUMN_KEYS), 2, self)
        self.columns.setObjectName("dbColumns")
        self.columns.setHorizontalHeaderLabels(["Data", "Column in your database (empty: not there)"])
        self.columns.verticalHeader().hide()
        self.columns.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.columns.horizontalHeader().setStretchLastSection(True)
        self.columns.setMinimumHeight(220)
        for row, key in enumerate(COLUMN_KEYS):
            label = QTableWidgetItem(key.replace(".", " · ").replace("_", " "))
            label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.columns.setItem(row, 0, label)
            self.columns.setItem(row, 1, QTableWidgetItem(""))
        self.columns.hide()
        self.allow_create = QCheckBox("Let operators create a ticket row in this database (needs a user that "
                                      "may insert into the tickets table)", self)
        self.allow_create.setObjectName("dbAllowCreate")
        self.form.addRow("Address", self.url)
        self.form.addRow("Password", self.password)
        self.form.addRow("Table names", self.preset)
        self.form.addRow("Customers table", self.customers)
        self.form.addRow("Contracts table", self.contracts)
        self.form.addRow("Tickets table", self.tickets)
        self.form.addRow("Schema", self.db_schema)
        self.form.addRow("Tickets belong", self.link)
        self.form.addRow("", self.columns_button)
        self.form.addRow(self.columns)
        self.form.addRow("", self.allow_create)
        self.add_test()
        self.password.changed.connect(self.changed)
        self.link.currentIndexChanged.connect(self.changed)
        self.allow_create.toggled.connect(self.changed)
        self.columns.itemChanged.connect(self.changed)
        self.columns_button.toggled.connect(self.columns.setVisible)
        self.preset.activated.connect(self._apply_preset)

    # -- the schema -----------------------------------------------------------------------------------

    def show_schema(self, schema: CustomerSchema) -> None:
        self.customers.set_text(schema.customers)
        self.contracts.set_text(schema.contracts)
        self.tickets.set_text(schema.tickets)
        self.db_schema.set_text(schema.db_schema)
        index = self.link.findData(schema.ticket_link)
        self.link.setCurrentIndex(max(index, 0))
        for row, key in enumerate(COLUMN_KEYS):
            item = self.columns.item(row, 1)
            if item is not None:
                item.setText(schema.columns.get(key, ""))

    def schema(self) -> CustomerSchema:
        columns = {}
        for row, key in enumerate(COLUMN_KEYS):
            item = self.columns.item(row, 1)
            if item is not None and item.text().strip():
                columns[key] = item.text().strip()
        return replace(DEFAULT_SCHEMA, customers=self.customers.text(), contracts=self.contracts.text(),
                       tickets=self.tickets.text(), db_schema=self.db_schema.text(),
                       ticket_link=str(self.link.currentData()), columns=columns,
                       active_status=self._active_status)

    def _apply_preset(self, index: int) -> None:
        name = self.preset.itemText(index)
        if name in PRESETS:
            self.show_schema(PRESETS[name])
        self.preset.setCurrentIndex(0)

    # -- section --------------------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        self.url.set_text(settings.customer_db_url)
        try:
            schema = schema_of(settings.customer_db_mapping or {})
        except (TypeError, ValueError):
            schema = DEFAULT_SCHEMA
        self._active_status = schema.active_status
        self.show_schema(schema)
        self.allow_create.setChecked(settings.customer_db_allow_create_ticket)
        super().load(settings)

    def apply(self, settings: Settings) -> Settings:
        return replace(settings, customer_db_enabled=self.enabled(), customer_db_url=self.url.text(),
                       customer_db_mapping=mapping_of(self.schema()),
                       customer_db_allow_create_ticket=self.allow_create.isChecked())

    def checked_fields(self) -> Sequence[CheckedField]:
        return self.url, self.customers, self.contracts, self.tickets, self.db_schema

    def field_errors(self) -> list[str]:
        problems = super().field_errors()
        if not problems:
            try:
                self.schema().validate()
            except ValueError as exc:
                problems.append(f"The column names are incomplete: {exc}.")
        return problems

    def secret_fields(self) -> list[SecretField]:
        return [self.password]

    def summary(self, settings: Settings) -> list[str]:
        if not settings.customer_db_enabled:
            return ["Customer database: off"]
        return [f"Customer database: {settings.customer_db_url}"
                + (" (operators may create tickets)" if settings.customer_db_allow_create_ticket else "")]
