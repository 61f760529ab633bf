"""A secret's field: masked while typed, and never shown again once saved — then it reads "Saved in the
system keyring" with a Replace button. A secret given by an environment variable says so. When no keyring
is usable, the field says that what is typed lasts only until the console quits, and names the
environment variable that can provide the secret instead."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from emailbot_gui.config.secrets import env_variable_for
from emailbot_gui.ui.status_icons import status_pixmap
from emailbot_gui.ui.wizard.draft_secrets import ENVIRONMENT, SAVED
from emailbot_gui.ui.wizard.fields import WrappedLabel

SAVED_TEXT = "Saved in the system keyring"


class SecretField(QWidget):
    changed = Signal()

    def __init__(self, name: Callable[[], str], *, placeholder: str, object_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._source = ""  # "", SAVED or ENVIRONMENT
        self._replacing = False
        self._persistent = True
        self.setObjectName(object_name)

        self.edit = QLineEdit(self)
        self.edit.setObjectName(object_name + "Edit")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.keep_button = QPushButton("Keep the saved one", self)
        self.keep_button.setObjectName(object_name + "Keep")
        self.keep_button.clicked.connect(self._keep)

        self.saved_row = QWidget(self)
        icon = QLabel(self.saved_row)
        icon.setPixmap(status_pixmap("ok", 14, self.devicePixelRatioF()))
        self.saved_label = QLabel(self.saved_row)
        self.saved_label.setObjectName(object_name + "Saved")
        self.replace_button = QPushButton("Replace…", self.saved_row)
        self.replace_button.setObjectName(object_name + "Replace")
        self.replace_button.setToolTip("Type a new value; the saved one is kept until you save the change")
        self.replace_button.clicked.connect(self._replace)
        saved_layout = QHBoxLayout(self.saved_row)
        saved_layout.setContentsMargins(0, 0, 0, 0)
        saved_layout.addWidget(icon)
        saved_layout.addWidget(self.saved_label, 1)
        saved_layout.addWidget(self.replace_button)

        self.session_note = WrappedLabel("", self)
        self.session_note.setObjectName(object_name + "SessionNote")
        self.session_note.setWordWrap(True)
        self.session_note.setProperty("role", "muted")

        edit_row = QHBoxLayout()
        edit_row.setContentsMargins(0, 0, 0, 0)
        edit_row.addWidget(self.edit, 1)
        edit_row.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.saved_row)
        layout.addLayout(edit_row)
        layout.addWidget(self.session_note)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self.changed)
        self._update()

    # -- state ----------------------------------------------------------------------------------------

    def name(self) -> str:
        """The secret's entry in the store (it may depend on other fields, e.g. the client id)."""
        return self._name()

    def set_source(self, source: str) -> None:
        """Where the stored value comes from: SAVED (keyring), ENVIRONMENT, or "" (none yet)."""
        replacing = bool(source) and bool(self.edit.text().strip())  # what is typed would replace it
        if (source, replacing) == (self._source, self._replacing):
            return  # e.g. looked up again after a focus change: nothing changed, no `changed` (tests stay valid)
        self._source, self._replacing = source, replacing
        self._update()

    def set_persistent(self, persistent: bool) -> None:
        if persistent != self._persistent:
            self._persistent = persistent
            self._update()

    def is_saved(self) -> bool:
        return bool(self._source)

    def source(self) -> str:
        """SAVED, ENVIRONMENT, or "" (nothing stored yet)."""
        return self._source

    def typed(self) -> str:
        """What the operator typed (to save, or to test with), "" when nothing."""
        return "" if self._showing_saved() else self.edit.text().strip()

    def has_value(self) -> bool:
        return bool(self.typed()) or self._showing_saved()

    def forget_typed(self) -> None:
        """After saving: the value is in the store now; the widget keeps no copy."""
        self.edit.clear()

    def _showing_saved(self) -> bool:
        return bool(self._source) and not self._replacing

    # -- behaviour ------------------------------------------------------------------------------------

    def _replace(self) -> None:
        self._replacing = True
        self._update()
        self.edit.setFocus()

    def _keep(self) -> None:
        self._replacing = False
        self.edit.clear()
        self._update()

    def _update(self) -> None:
        env = env_variable_for(self.name()) or ""
        showing_saved = self._showing_saved()
        self.saved_row.setVisible(showing_saved)
        self.edit.setVisible(not showing_saved)
        self.keep_button.setVisible(bool(self._source) and self._replacing)
        if self._source == ENVIRONMENT:
            self.saved_label.setText(f"••••••••  Set by the environment variable {env}")
            self.replace_button.hide()  # the environment wins over the keyring, so a new value would not apply
        else:
            self.saved_label.setText(f"••••••••  {SAVED_TEXT}" if self._persistent
                                     else "••••••••  Kept for this session (no system keyring)")
            self.replace_button.show()
        if self._persistent or self._source == ENVIRONMENT:
            self.session_note.hide()
        else:
            keep = f" To keep it, set the environment variable {env} before starting the console." if env else ""
            self.session_note.setText("No system keyring is available: what you type is used until you quit, "
                                      f"then forgotten (never written to a file).{keep}")
            self.session_note.show()
        self.changed.emit()


class HeldSecret(SecretField):
    """A secret the form obtains instead of the operator typing it (the refresh token of a sign-in, the contents
    of a key file): never shown, held until it is saved with the typed ones, then forgotten like them."""

    def __init__(self, name: str, *, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(lambda: name, placeholder="", object_name=object_name, parent=parent)
        self._held = ""
        self.hide()

    def hold(self, value: str) -> None:
        self._held = value
        self.changed.emit()

    def typed(self) -> str:
        return self._held

    def forget_typed(self) -> None:
        self._held = ""
        super().forget_typed()


__all__ = ["ENVIRONMENT", "SAVED", "SAVED_TEXT", "HeldSecret", "SecretField"]
