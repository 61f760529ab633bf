"""What the classifier said (category, urgency, confidence, rationale, flags) and the controls to
correct it. Emits `overrideRequested`; the window runs the operation."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emailbot_gui.core.categories import Category, category_label
from emailbot_gui.core.types import Classification, Urgency
from emailbot_gui.ui.formatting import ADVISORY_FLAGS, flag_label, split_flag_reasons
from emailbot_gui.ui.style import set_badge

LOW_CONFIDENCE = 0.6


class ClassificationPanel(QGroupBox):
    overrideRequested = Signal(object, object, str)  # category key | None, Urgency | None, note

    def __init__(self, categories: tuple[Category, ...], parent: QWidget | None = None) -> None:
        super().__init__("Classification", parent)
        self._categories = categories
        self._current: Classification | None = None
        self._editable = False

        self.category = QLabel(self)
        self.category.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.category.setWordWrap(True)  # the sidebar is narrow; a long category must not widen it
        self.urgency = QLabel(self)
        self.confidence = QProgressBar(self)
        self.confidence.setRange(0, 100)
        self.confidence.setFormat("%p %")
        self.model_label = QLabel(self)
        self.model_label.setProperty("role", "muted")
        self.model_label.setWordWrap(True)
        self.rationale = QLabel(self)
        self.rationale.setWordWrap(True)
        self.rationale.setTextFormat(Qt.TextFormat.PlainText)
        self.rationale.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Flags stand out: a red box with each flag and the evidence the injection checks found.
        self.flag_box = QFrame(self)
        self.flag_box.setObjectName("flagBox")
        self.flags = QLabel(self.flag_box)
        self.flags.setObjectName("flagList")
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        flag_layout = QVBoxLayout(self.flag_box)
        flag_layout.setContentsMargins(8, 6, 8, 6)
        flag_layout.addWidget(self.flags)
        self.usage = QLabel(self)
        self.usage.setObjectName("emailUsage")
        self.usage.setProperty("role", "muted")
        self.usage.setWordWrap(True)
        self.usage.hide()
        self.manual = QLabel("Needs manual action by the team.", self)
        self.manual.setProperty("role", "error")

        self.category_combo = QComboBox(self)
        self.category_combo.setObjectName("overrideCategory")
        for c in categories:
            self.category_combo.addItem(c.label, c.key)
        self.urgency_combo = QComboBox(self)
        self.urgency_combo.setObjectName("overrideUrgency")
        for u in sorted(Urgency, reverse=True):
            self.urgency_combo.addItem(u.label, int(u))  # plain ints: findData cannot match enums
        for combo in (self.category_combo, self.urgency_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("Why? (optional)")
        self.note.setToolTip("Kept in the audit trail with the correction")
        self.apply_button = QPushButton("Apply override", self)
        self.apply_button.setObjectName("applyOverride")
        self.apply_button.setToolTip("Correct the classification; the reply is redrafted and the local "
                                     "model learns from it")
        self.apply_button.clicked.connect(self._apply)
        self.category_combo.currentIndexChanged.connect(self._update_apply)
        self.urgency_combo.currentIndexChanged.connect(self._update_apply)

        top = QHBoxLayout()
        top.addWidget(self.category, 1)
        top.addWidget(self.urgency, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        confidence_row = QHBoxLayout()
        caption = QLabel("Confidence", self)
        caption.setProperty("role", "muted")
        confidence_row.addWidget(caption)
        confidence_row.addWidget(self.confidence, 1)

        override = QFormLayout()
        override.setContentsMargins(0, 8, 0, 0)
        override.addRow("Category", self.category_combo)
        override.addRow("Urgency", self.urgency_combo)
        override.addRow("", self.note)
        override.addRow("", self.apply_button)
        override_title = QLabel("Correct it", self)
        override_title.setProperty("role", "sectionTitle")

        layout = QVBoxLayout(self)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(confidence_row)
        layout.addWidget(self.flag_box)
        layout.addWidget(self.manual)
        layout.addWidget(self.rationale)
        layout.addWidget(self.model_label)
        layout.addWidget(self.usage)
        layout.addSpacing(4)
        layout.addWidget(override_title)
        layout.addLayout(override)
        self.show_classification(None, editable=False)

    def show_classification(self, classification: Classification | None, *, editable: bool) -> None:
        self._current = classification
        self._editable = editable
        if classification is None:
            self.category.setText("Not classified yet")
            self.urgency.hide()
            self.confidence.setValue(0)
            self.confidence.setEnabled(False)
            for label in (self.rationale, self.model_label, self.flags):
                label.setText("")
                label.hide()
            self.flag_box.hide()
            self.manual.hide()
        else:
            self.category.setText(category_label(classification.category, self._categories))
            self.urgency.setText(classification.urgency.label)
            set_badge(self.urgency, classification.urgency.name.lower())
            self.urgency.show()
            self.confidence.setEnabled(True)
            self.confidence.setValue(round(classification.confidence * 100))
            low = classification.confidence < LOW_CONFIDENCE
            self.confidence.setStyleSheet("QProgressBar::chunk { background: #d4a72c; }" if low else "")
            self.confidence.setToolTip("Low confidence: check the category" if low else "")
            rationale, reasons = split_flag_reasons(classification.rationale)
            self.rationale.setText(rationale)
            self.rationale.setVisible(bool(rationale))
            details = [f"model: {classification.model}"]
            if classification.language:
                details.append(f"language: {classification.language}")
            self.model_label.setText(" · ".join(details))
            self.model_label.show()
            self._show_flags(classification.flags, reasons)
            self.manual.setVisible(classification.needs_manual_action)
            if self.category_combo.findData(classification.category) < 0:  # a key outside the set
                self.category_combo.addItem(category_label(classification.category), classification.category)
            self._select(self.category_combo, classification.category)
            self._select(self.urgency_combo, int(classification.urgency))
        self.note.clear()
        for widget in (self.category_combo, self.urgency_combo, self.note):
            widget.setEnabled(editable)
        self._update_apply()

    def _show_flags(self, flags: tuple[str, ...], reasons: list[str]) -> None:
        """Security flags in red with the evidence; an advisory flag alone (AI fallback) in amber."""
        security = [f for f in flags if f not in ADVISORY_FLAGS]
        advisory = [f for f in flags if f in ADVISORY_FLAGS]
        parts = []
        if security:
            parts.append("<b>⚠ Flagged: " + escape(", ".join(flag_label(f) for f in security)) + "</b>"
                         "<br>Do not follow its instructions or links. It is never auto-approved.")
            if reasons:
                parts.append("<ul style='margin:2px 0 0 -24px'>"
                             + "".join(f"<li>{escape(r)}</li>" for r in reasons) + "</ul>")
        parts += [f"<b>{escape(flag_label(f))}</b>" for f in advisory]
        color, border, background = ("#8a1c12", "#f5c2bd", "#fdecea") if security else \
            ("#7a4d00", "#eed888", "#fff8c5")
        self.flag_box.setStyleSheet(f"QFrame#flagBox {{ background: {background}; border: 1px solid {border}; "
                                    f"border-radius: 4px; }} QFrame#flagBox QLabel {{ color: {color}; }}")
        self.flags.setText("<br>".join(parts))
        self.flags.setVisible(bool(flags))
        self.flag_box.setVisible(bool(flags))

    def show_usage(self, text: str) -> None:
        """The AI's tokens and cost for this email ("" hides the line)."""
        self.usage.setText(text)
        self.usage.setVisible(bool(text))

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _choice(self) -> tuple[str | None, Urgency | None]:
        category = self.category_combo.currentData()
        urgency = Urgency(self.urgency_combo.currentData())
        current = self._current
        if current is None:
            return category, urgency
        return (category if category != current.category else None,
                urgency if urgency != current.urgency else None)

    def _update_apply(self) -> None:
        category, urgency = self._choice()
        self.apply_button.setEnabled(self._editable and (category is not None or urgency is not None))

    def _apply(self) -> None:
        category, urgency = self._choice()
        if category is not None or urgency is not None:
            self.overrideRequested.emit(category, urgency, self.note.text().strip())
