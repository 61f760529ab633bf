"""German phrase pools for the demo mail generator (written for this project; same keys as `phrases_en`)."""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, Any] = {
    "greetings": ("Hallo zusammen,", "Guten Morgen,", "Sehr geehrte Damen und Herren,", "Hallo IT,",
                  "Liebes Support-Team,", "Moin,", "Hallo,", "Guten Tag,"),
    "intros": ("Ich hoffe, ihr könnt mir helfen.", "Entschuldigung, dass ich schon wieder schreibe.",
               "Kurze Frage an euch.", "Man hat mir gesagt, ich soll mich an dieses Postfach wenden."),
    "tried": ("Ich habe den {device} schon zweimal neu gestartet.",
              "Ab- und wieder anmelden hat nichts gebracht.", "Den Browser-Cache habe ich bereits geleert.",
              "Bei meinem Kollegen funktioniert es ganz normal.",
              "Neu installieren hat leider auch nicht geholfen."),
    "closers": ("Vielen Dank im Voraus.", "Danke für eure Hilfe.",
                "Meldet euch gern, wenn ihr noch etwas braucht.", "Ich bin heute den ganzen Tag erreichbar.",
                "Danke und schöne Grüße."),
    "signoffs": ("Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "Gruß", "LG"),
    "mobile": ("Von meinem iPhone gesendet", "Gesendet von Outlook für Android"),
    "disclaimers": (
        "Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind, "
        "informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.",
        "Geschäftsführer: siehe Impressum. Sitz der Gesellschaft: Hamburg.",
    ),
    "urgency": {
        "LOW": ("Hat keine Eile.", "Wenn ihr mal Zeit habt, reicht völlig.", "Nicht dringend, nur lästig."),
        "MEDIUM": ("Wäre schön, wenn das diese Woche noch klappt.",
                   "Es bremst mich bei der Arbeit ziemlich aus.",
                   "Könnte sich bitte heute oder morgen jemand darum kümmern?"),
        "HIGH": ("Ich kann so gerade nicht arbeiten, bitte dringend.",
                 "Um {time} habe ich einen Kundentermin und brauche das vorher.",
                 "Bitte mit hoher Priorität, der Monatsabschluss hängt davon ab.",
                 "Wir haben heute eine Deadline, das blockiert uns komplett."),
        "CRITICAL": ("Die gesamte Abteilung {dept} kann nicht arbeiten!",
                     "Die Produktion steht, bitte sofort eskalieren.",
                     "BITTE UMGEHEND ANRUFEN unter {phone}, das ist kritisch.",
                     "Alle {n} Mitarbeiter am Standort {site} sind betroffen - P1!"),
    },
    "subject_tags": {"HIGH": ("DRINGEND: ", "Dringend - ", "Wichtig: "),
                     "CRITICAL": ("KRITISCH: ", "P1 - ", "SEHR DRINGEND!!! ", "NOTFALL: ")},
    "fillers": {
        "device": ("Laptop", "Rechner", "PC", "Dienstlaptop"),
        "dept": ("Buchhaltung", "Vertrieb", "Lager", "Personalabteilung", "Einkauf"),
        "weekday": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"),
        "floor": ("2. OG", "Erdgeschoss", "3. Stock", "1. OG"),
        "month": ("Februar", "März", "Januar", "Dezember"),
    },
    "categories": {
        "password_reset": {
            "subjects": ("Passwort zurücksetzen", "Passwort", "Problem mit Passwort",
                         "Bitte Passwort zurücksetzen"),
            "problems": (
                "Passwort für {sso_app} vergessen | Ich habe mein Passwort für {sso_app} vergessen und komme "
                "nicht mehr rein.",
                "Passwort abgelaufen | Mein Windows-Passwort ist heute früh abgelaufen und ich kann es von "
                "zu Hause nicht ändern.",
                "Neues Passwort vergessen | Könnt ihr bitte mein Passwort zurücksetzen? Ich habe es am "
                "Freitag geändert und weiß es nicht mehr.",
                "Reset-Mail kommt nicht an | Die Mail zum Zurücksetzen des Passworts kommt nie an, auch "
                "nicht im Spam.",
                "Neues Passwort wird abgelehnt | Das neue Passwort wird abgelehnt, angeblich erfüllt es die "
                "Richtlinien nicht.",
                "Passwortänderung klappt nicht | Windows fordert mich ständig auf, das Passwort zu ändern, "
                "und akzeptiert dann kein neues.",
                "Passwort für Sammelkonto | Bitte setzt das Passwort für unser Empfangskonto zurück, die "
                "Kollegin, die es kannte, ist nicht mehr da.",
                "Sicherheitsfragen vergessen | Ich will mein Passwort zurücksetzen, weiß aber die Antworten "
                "auf die Sicherheitsfragen nicht mehr."),
            "details": ("Mein Benutzername ist {username}.", "Fehlermeldung: {auth_code}.",
                        "Ich sitze heute in {site} an {machine}."),
        },
        "account_lockout": {
            "subjects": ("Konto gesperrt", "Account gesperrt - bitte entsperren",
                         "Benutzer gesperrt: {username}", "Anmeldung blockiert"),
            "problems": (
                "Konto nach Tippfehlern gesperrt | Mein Konto wurde gesperrt, nachdem ich mich ein paar Mal "
                "vertippt habe.",
                "{sso_app}: Konto gesperrt | Beim Anmelden an {sso_app} kommt nur noch 'Ihr Konto wurde "
                "gesperrt'.",
                "Konto sperrt sich immer wieder | Kaum entsperrt, ist das Konto nach zehn Minuten wieder "
                "gesperrt.",
                "Gesperrt nach MFA-Anfragen | Ich habe lauter MFA-Anfragen bekommen, die nicht von mir "
                "waren, jetzt ist alles gesperrt.",
                "Überall ausgesperrt | Seit der Passwortänderung gestern bin ich überall ausgesperrt: "
                "Laptop, Mail, {app}.",
                "Schon wieder gesperrt | Mein Konto ist diese Woche schon zum dritten Mal gesperrt.",
                "Konto nach Urlaub deaktiviert? | Ich komme aus dem Urlaub zurück und mein Konto scheint "
                "gesperrt oder deaktiviert zu sein.",
                "Bitte Konto entsperren | Könnt ihr mein Konto entsperren? Ich habe das Passwort zu oft "
                "falsch eingegeben."),
            "details": ("Fehlercode: {auth_code}.", "Rechnername: {machine}.",
                        "Mein Kollege {person} hat seit heute früh dasselbe Problem."),
        },
        "access_request": {
            "subjects": ("Berechtigungsanfrage", "Zugriff benötigt", "Antrag auf Zugriff", "Berechtigungen"),
            "problems": (
                "Schreibrechte auf {share} | Könnt ihr mir Schreibrechte auf {share} geben? {person} hat das "
                "freigegeben.",
                "Neuer Mitarbeiter - Zugänge | Am {weekday} fängt {person} bei uns an und braucht Laptop, "
                "E-Mail und Zugang zu {system}.",
                "Bitte zur Gruppe {group} hinzufügen | Bitte nehmt mich in die Gruppe {group} auf, damit ich "
                "die Teamordner sehe.",
                "Zugriff auf {system} nach Wechsel | Ich bin in die Abteilung {dept} gewechselt und brauche "
                "Zugriff auf {system}.",
                "Zugriff verweigert auf {share} | Beim Öffnen von {share} kommt 'Zugriff verweigert', obwohl "
                "ich ihn für meine neue Rolle brauche.",
                "Postfachzugriff Vertretung | Ich brauche während des Urlaubs von {person} Vollzugriff auf "
                "das Postfach, die Leitung ist einverstanden.",
                "Austritt - Zugänge entfernen | {person} verlässt uns am {weekday}; bitte entfernt die "
                "Zugänge zu {system} und leitet die Mails an mich weiter.",
                "VPN-Zugang für neue Kollegin | Bitte richtet für unsere neue Kollegin {person} einen "
                "VPN-Zugang ein."),
            "details": ("Kostenstelle: {cost_centre}.", "Lesezugriff reicht erst einmal.",
                        "Personalnummer: {employee_id}."),
        },
        "hardware": {
            "subjects": ("Hardwareproblem", "Gerät defekt", "Gerät kaputt", "Hardware kaputt"),
            "problems": ("Laptop startet nicht | Mein {device} lässt sich heute gar nicht mehr einschalten.",
                         "Bildschirm flackert | Der zweite Monitor an der Dockingstation flackert und wird "
                         "alle paar Minuten schwarz.",
                         "Drucker {printer} Papierstau | Der Drucker {printer} im {floor} meldet Papierstau, "
                         "aber es steckt nichts fest.",
                         "Tastatur kaputt | Mehrere Tasten an meiner Laptop-Tastatur reagieren nicht mehr.",
                         "Display gerissen | Mir ist der Laptop runtergefallen, jetzt hat das Display einen "
                         "Riss.",
                         "Maus und Tastatur reagieren nicht | Meine Funkmaus und Tastatur reagieren nicht "
                         "mehr, trotz neuer Batterien.",
                         "Laptop lädt nicht | Der Laptop zeigt 'angeschlossen, wird nicht geladen' an, der "
                         "Akku ist bei 5 %.",
                         "Monitor: kein Signal | Mein externer Monitor meldet 'kein Signal', obwohl das "
                         "Kabel richtig steckt."),
            "details": ("Inventarnummer: {asset}.", "Es ist ein {laptop_model}.",
                        "Andere Steckdose und anderes Kabel habe ich schon probiert."),
        },
        "software_fault": {
            "subjects": ("Softwareproblem", "Fehlermeldung", "Programm funktioniert nicht richtig",
                         "Anwendungsfehler"),
            "problems": (
                "{app} stürzt ständig ab | {app} stürzt jedes Mal ab, wenn ich einen Anhang öffnen will.",
                "{app} startet nicht mehr | Seit dem Update heute Nacht startet {app} nicht mehr.",
                "Fehler {win_code} beim Speichern | Beim Speichern auf {share} kommt der Fehler {win_code}.",
                "{app} friert ein | {app} friert bei jedem Fensterwechsel für eine Minute ein.",
                "Fehler in {system} | {system} zeigt beim Absenden einer Reisekostenabrechnung 'Unerwarteter "
                "Fehler'.",
                "{app} extrem langsam | {app} ist seit heute Morgen extrem langsam, jeder Klick dauert "
                "Sekunden.",
                "Makros funktionieren nicht mehr | Unsere Excel-Makros funktionieren seit dem letzten "
                "Office-Update nicht mehr.",
                "Update schlägt fehl | Das aktuelle Update lässt sich nicht installieren, Fehler "
                "{win_code}."),
            "details": ("Version: {version}.", "In der Ereignisanzeige steht {exception}.",
                        "Bis {weekday} lief alles normal."),
        },
        "network_vpn": {
            "subjects": ("VPN-Problem", "Netzwerkproblem", "Verbindungsprobleme", "VPN geht nicht"),
            "problems": ("{vpn} verbindet nicht | {vpn} baut keine Verbindung auf, Meldung: {vpn_code}.",
                         "VPN ohne interne Seiten | Das VPN ist verbunden, aber ich erreiche keine internen "
                         "Seiten und nicht {share}.",
                         "VPN bricht ständig ab | Die VPN-Verbindung bricht alle zehn Minuten ab, Telefonate "
                         "fliegen raus.",
                         "WLAN bricht ständig ab | Das WLAN im {floor} ist ständig weg, per Kabel geht es.",
                         "VPN extrem langsam | Seit gestern ist über VPN alles extrem langsam.",
                         "WLAN ohne Internet | Der Laptop ist mit dem WLAN verbunden, aber es gibt keinen "
                         "Internetzugang.",
                         "VPN fragt ständig nach Kennwort | {vpn} fragt immer wieder nach meinen "
                         "Zugangsdaten und verbindet nie.",
                         "Netzwerkdose tot | Die Netzwerkdose an meinem Platz scheint tot zu sein, am Laptop "
                         "leuchtet nichts."),
            "details": ("Zu Hause habe ich eine {router}.", "Ping auf {hostname} läuft ins Timeout.",
                        "Internet an sich funktioniert über {isp} einwandfrei."),
        },
        "outage": {
            "subjects": ("Störung", "STÖRUNG", "Systemausfall", "Alles down?"),
            "problems": ("{system} ausgefallen | {system} ist für alle bei uns im Büro down, es kommt nur "
                         "{http_code}.",
                         "Niemand kommt in {system} | Seit etwa {time} kann sich niemand mehr an {system} "
                         "anmelden.",
                         "Kompletter Ausfall in {site} | Der komplette Standort {site} hat kein Internet und "
                         "kein Telefon mehr.",
                         "E-Mail geht bei niemandem | Seit {time} kommen bei der ganzen Abteilung keine "
                         "E-Mails mehr an.",
                         "Netzlaufwerk weg | Das Netzlaufwerk {share} ist für alle verschwunden.",
                         "Webseite down | Unsere Webseite ist nicht erreichbar, Kunden bekommen {http_code}.",
                         "Telefonanlage ausgefallen | Unsere Telefonanlage ist komplett ausgefallen, keine "
                         "Anrufe rein oder raus.",
                         "Kein Internet im ganzen Büro | Das ganze Büro hat seit {time} kein Internet mehr."),
            "details": ("Betroffen sind ungefähr {n} Leute.",
                        "Laut Statusseite ist alles grün - ist es aber nicht.",
                        "Es fing direkt nach dem Wartungsfenster heute Nacht an."),
        },
        "how_to": {
            "subjects": ("Kurze Frage", "Frage an die IT", "Wie geht das?", "Bitte um Anleitung"),
            "problems": ("Abwesenheitsnotiz einrichten | Wie richte ich in Outlook eine automatische "
                         "Abwesenheitsnotiz ein?",
                         "Kalender freigeben | Wie kann ich meinen Kalender für {person} freigeben?",
                         "Drucker {printer} verbinden | Wie verbinde ich meinen Laptop mit dem Drucker "
                         "{printer}?",
                         "Dienstmail aufs Handy | Gibt es eine Anleitung, wie ich meine Dienstmails aufs "
                         "private Handy bekomme?",
                         "Große Dateien versenden | Wie kann ich große Dateien an einen externen Kunden "
                         "schicken?",
                         "Besprechungsraum buchen | Wie buche ich in Outlook einen Besprechungsraum mit "
                         "Videokonferenz?",
                         "Verschlüsselte E-Mail | Wie schicke ich eine verschlüsselte E-Mail an einen "
                         "Kunden?",
                         "Scannen an E-Mail | Wie scanne ich am Drucker {printer} ein Dokument und schicke "
                         "es an meine E-Mail?"),
            "details": ("Im Intranet habe ich dazu nichts gefunden.",
                        "Eine kurze Schritt-für-Schritt-Anleitung "
                        "wäre super.", "Ich nutze {app} in Version {version}."),
        },
        "billing_licence": {
            "subjects": ("Frage zur Lizenz", "Frage zur Rechnung", "Lizenzen", "Abrechnung"),
            "problems": (
                "{app}: nicht lizenziert | {app} meldet plötzlich 'nicht lizenziertes Produkt' und ist nur "
                "noch lesbar.",
                "Rechnung {invoice} falsch | Wir haben die Rechnung {invoice} über {amount} erhalten, obwohl "
                "wir zwei Lizenzen gekündigt haben.",
                "Angebot {licence} | Könnt ihr uns ein Angebot für fünf weitere {licence}-Lizenzen schicken?",
                "Falsche Bestellnummer auf {invoice} | Die Bestellnummer auf Rechnung {invoice} ist falsch, "
                "unsere Buchhaltung kann nicht zahlen.",
                "Doppelte Abbuchung? | Es sieht so aus, als wäre das Abo für {month} doppelt abgebucht "
                "worden.",
                "Anzahl Lizenzen | Wie viele {licence}-Lizenzen haben wir aktuell? Wir brauchen die Zahl für "
                "die Verlängerung.",
                "Rechnung an falsche Firma | Die Rechnung {invoice} ist noch an unseren alten Firmennamen "
                "adressiert, bitte neu ausstellen.",
                "Gutschrift gewünscht | Bitte schickt uns eine Gutschrift für die im {month} gekündigten "
                "Lizenzen."),
            "details": ("Unsere Kundennummer: {customer_no}.", "Die richtige Bestellnummer ist {po}.",
                        "Aktivierungsfehler: {licence_code}."),
        },
        "spam_phishing": {
            "subjects": ("Verdächtige E-Mail", "Phishing?", "Ist diese Mail echt?", "Verdacht auf Phishing"),
            "problems": (
                "WG: Ihr Postfach ist voll | Ich habe eine Mail bekommen, mein Postfach werde gelöscht, wenn "
                "ich es nicht 'verifiziere' - ist das echt?",
                "Falscher Chef | Jemand gibt sich als unser Geschäftsführer aus und will Gutscheinkarten.",
                "Phishing von {phish_sender} | Absender ist {phish_sender}, das sieht nach Phishing aus.",
                "Komische Rechnung | Eine angebliche Rechnung mit ZIP-Anhang von einem unbekannten "
                "Lieferanten.",
                "Falsche Sprachnachricht | Ich habe eine Mail über eine neue Sprachnachricht mit HTML-Anhang "
                "bekommen - das ist doch Fake?",
                "Verdächtige DocuSign-Mail | Eine 'DocuSign'-Mail will, dass ich mich anmelde, um einen "
                "Vertrag zu prüfen, von dem ich nichts weiß.",
                "Falsche Bank-Mail | Jemand gibt sich per SMS und Mail als unsere Bank aus und will "
                "Kartendaten bestätigen lassen."),
            "details": ("Ich habe nichts angeklickt.", "Der Link führt auf {phish_url}.",
                        "Die Mail kam um {time}."),
            "problems_compromised": ("Auf Phishing-Link geklickt | Ich habe auf einen Link geklickt und mein "
                                     "Passwort eingegeben, bevor ich gemerkt habe, dass die Seite falsch "
                                     "war.",
                                     "MFA versehentlich bestätigt | Ich habe eine MFA-Anfrage bestätigt, die "
                                     "nicht von mir kam.",
                                     "Anhang geöffnet | Ich habe den Anhang einer gefälschten Rechnung "
                                     "geöffnet."),
            "details_compromised": ("Das Passwort habe ich inzwischen geändert.",
                                    "Der Laptop ist jetzt vom Netz getrennt.", "Das war gegen {time}."),
            "urgency": {
                "HIGH": ("Bitte prüft mein Konto schnell, ich habe Angst, dass es kompromittiert ist.",
                         "Was soll ich jetzt tun? Bitte schnell melden."),
                "CRITICAL": ("Ich glaube, jemand ist gerade in meinem Konto - bitte sofort sperren!",
                             "Bitte ruft mich sofort unter {phone} an, das könnte ein Sicherheitsvorfall "
                             "sein."),
            },
        },
    },
    "followups": {
        "chase": ("Gibt es hierzu schon etwas Neues?", "Kurze Nachfrage: kümmert sich schon jemand darum?",
                  "Das Problem besteht leider weiterhin."),
        "info": ("Nachtrag: es passiert auch auf meinem zweiten {device}.",
                 "Noch eine Info: Fehlercode war {win_code}.",
                 "Inzwischen sind zwei weitere Kollegen betroffen."),
        "metoo": ("Bei uns genauso, wir kommen auch nicht rein.", "Auch der Standort {site} ist betroffen.",
                  "Hier dasselbe seit {time}."),
    },
    "ooo": {
        "subjects": ("Abwesenheitsnotiz: {orig}", "Automatische Antwort: {orig}", "Nicht im Büro: {orig}"),
        "bodies": (
            "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich {return_date} nicht im Büro. In "
            "dringenden Fällen wenden Sie sich bitte an {colleague} ({colleague_email}).\n\nMit freundlichen "
            "Grüßen\n{name}",
            "Ich bin im Urlaub und ab dem {return_date} wieder erreichbar. Ihre E-Mail wird nicht "
            "weitergeleitet.",
            "Guten Tag,\n\nich bin bis {return_date} auf Dienstreise und lese meine E-Mails nur "
            "unregelmäßig.\n\nI am out of the office until {return_date} with limited access to "
            "email.\n\n{name}"),
    },
    "spam": {
        "mailbox": {
            "senders": ("Postfach-Administrator", "IT-Sicherheit", "Microsoft 365 Support"),
            "subjects": ("Wichtige Kontoinformation", "Handlung erforderlich",
                         "Konto bestätigen innerhalb von 24 Stunden"),
            "bodies": (
                "Ihr Postfach wird gesperrt | Sehr geehrter Nutzer,\n\nIhr Postfach {email} hat das "
                "Speicherlimit überschritten. Bestätigen Sie Ihr Konto jetzt, sonst werden alle Nachrichten "
                "gelöscht:\n\n{link}\n\nIhr IT-Team",
                "Passwort läuft heute ab | Ihr Passwort läuft heute ab. Um es zu behalten, melden Sie sich "
                "hier an: {link}"),
        },
        "invoice": {
            "senders": ("Buchhaltung", "Mahnabteilung", "Rechnungsstelle"),
            "subjects": ("Offene Rechnung {invoice}", "Letzte Mahnung", "Zahlungserinnerung"),
            "bodies": (
                "Guten Tag,\n\nanbei die Rechnung {invoice} über {amount}, seit 30 Tagen überfällig. Zahlen "
                "Sie bitte heute noch: {link}\n\nBuchhaltung",
                "Neue Bankverbindung | Unsere Bankverbindung hat sich geändert. Bitte überweisen Sie die "
                "Rechnung {invoice} künftig auf das neue Konto und bestätigen Sie die Daten unter {link}"),
        },
    },
    "_quote_header": "Am {date} schrieb {name} <{email}>:",
    "_forward_header": "---------- Weitergeleitete Nachricht ----------",
    "_reply_prefix": "AW: ",
    "_forward_prefix": "WG: ",
    "_support_subject": "[{ticket}] Ihre Anfrage: {subject}",
    "_months": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
                "November", "Dezember"),
    "_date_format": "{day:02d}.{month:02d}.{year}",
    "_weekday_names": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
