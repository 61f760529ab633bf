"""The wizard's first page: connect a real mailbox, or try the console on demo data."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QFrame, QLabel, QRadioButton, QVBoxLayout, QWidget, QWizardPage

from emailbot_gui.ui.wizard.fields import note


class WelcomePage(QWizardPage):
    def __init__(self, keyring_problem: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("Welcome to EmailBot Console")
        self.setSubTitle("The console watches your support mailbox, classifies every email, looks the sender "
                         "up in your CRM and proposes a reply or an escalation. Nothing is sent until you "
                         "approve it.")
        self.real = QRadioButton("Connect a real mailbox", self)
        self.real.setObjectName("choiceReal")
        self.demo = QRadioButton("Try it on demo data", self)
        self.demo.setObjectName("choiceDemo")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.real)
        self.choice.addButton(self.demo)
        self.real.setChecked(True)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(_card(self.real, "Set up your shared mailbox (Microsoft 365, Gmail or any IMAP/SMTP "
                                          "server), then optionally the AI, "
                                          "your CRM and escalation. About five minutes; every step can be "
                                          "tested before you go on, and changed later in Settings."))
        layout.addWidget(_card(self.demo, "A realistic sample inbox with a demo customer database. Replies go "
                                          "to a demo outbox folder: nobody is contacted. You can connect a "
                                          "real mailbox later in Settings."))
        self.keyring_note = note(keyring_problem, self, role="error", name="keyringProblem")
        self.keyring_note.setVisible(bool(keyring_problem))
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)
        self.registerField("demo", self.demo)

    def wants_demo(self) -> bool:
        return self.demo.isChecked()


def _card(button: QRadioButton, text: str) -> QFrame:
    card = QFrame()
    card.setObjectName("choiceCard")
    card.setFrameShape(QFrame.Shape.StyledPanel)
    card.setStyleSheet("QFrame#choiceCard { background: #ffffff; border: 1px solid #d0d7de; border-radius: 6px; }")
    button.setStyleSheet("QRadioButton { font-size: 11pt; font-weight: 600; }")
    description = QLabel(text, card)
    description.setWordWrap(True)
    description.setProperty("role", "muted")
    description.setContentsMargins(22, 0, 0, 0)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(14, 12, 14, 12)
    layout.addWidget(button)
    layout.addWidget(description)
    return card
