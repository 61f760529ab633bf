"""Dutch phrase pools for the demo mail generator (written for this project; same keys as `phrases_en`)."""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, Any] = {
    "greetings": ("Hoi,", "Goedemorgen,", "Beste supportafdeling,", "Hallo allemaal,",
                  "Geachte heer/mevrouw,", "Hoi IT,"),
    "intros": ("Ik hoop dat jullie me kunnen helpen.", "Sorry dat ik weer stoor.", "Ik kreeg de tip om naar "
               "dit adres te mailen.", "Even een snelle vraag."),
    "tried": ("Ik heb de {device} al twee keer opnieuw opgestart.", "Uit- en weer inloggen hielp niet.",
              "Browsercache heb ik al gewist, zonder resultaat.", "Bij mijn collega werkt het gewoon.",
              "Opnieuw installeren hielp ook niet."),
    "closers": ("Alvast bedankt.", "Bedankt voor jullie hulp.", "Laat maar weten als jullie meer info nodig "
                "hebben.", "Ik ben de hele middag bereikbaar.", "Dank je wel!"),
    "signoffs": ("Met vriendelijke groet,", "Groetjes,", "Groet,", "Mvg,", "Hartelijke groet,"),
    "mobile": ("Verzonden vanaf mijn iPhone", "Verzonden vanuit Outlook voor Android"),
    "disclaimers": (
        "Dit bericht is uitsluitend bestemd voor de geadresseerde. Heeft u dit bericht per vergissing "
        "ontvangen, meld dit dan aan de afzender en verwijder het.",
        "Denk aan het milieu voordat u deze e-mail print.",
    ),
    "urgency": {
        "LOW": ("Geen haast.", "Als jullie tijd hebben is prima.", "Niet dringend, wel irritant."),
        "MEDIUM": ("Fijn als het deze week nog lukt.", "Het houdt me behoorlijk op.",
                   "Kan iemand er vandaag of morgen naar kijken?"),
        "HIGH": ("Ik kan zo niet werken, het is dringend.",
                 "Om {time} heb ik een klantafspraak en ik heb het "
                 "voor die tijd nodig.", "Graag met prioriteit, de maandafsluiting hangt ervan af.",
                 "We hebben vandaag een deadline en dit blokkeert ons."),
        "CRITICAL": ("De hele afdeling {dept} ligt plat!", "De productie staat stil, graag direct escaleren.",
                     "BEL ME ZO SNEL MOGELIJK op {phone}, dit is kritiek.",
                     "Alle {n} gebruikers op locatie {site} zijn getroffen - P1!"),
    },
    "subject_tags": {"HIGH": ("DRINGEND: ", "Spoed - ", "Belangrijk: "),
                     "CRITICAL": ("KRITIEK: ", "P1 - ", "ZEER DRINGEND!!! ", "STORING: ")},
    "fillers": {
        "device": ("laptop", "computer", "pc", "werklaptop"),
        "dept": ("administratie", "verkoop", "magazijn", "HR", "inkoop"),
        "weekday": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag"),
        "floor": ("2e verdieping", "begane grond", "1e verdieping", "3e verdieping"),
        "month": ("februari", "maart", "januari", "december"),
    },
    "categories": {
        "password_reset": {
            "subjects": ("Wachtwoord resetten", "Wachtwoord", "Probleem met wachtwoord",
                         "Verzoek wachtwoordreset"),
            "problems": (
                "Wachtwoord {sso_app} vergeten | Ik ben mijn wachtwoord voor {sso_app} vergeten en kan niet "
                "meer inloggen.",
                "Wachtwoord verlopen | Mijn Windows-wachtwoord is vanochtend verlopen en thuis krijg ik het "
                "niet gewijzigd.",
                "Nieuw wachtwoord vergeten | Kunnen jullie mijn wachtwoord resetten? Ik heb het vrijdag "
                "veranderd en weet het niet meer.",
                "Resetmail komt niet aan | De resetmail komt nooit aan, ook niet in de spammap.",
                "Nieuw wachtwoord geweigerd | Mijn nieuwe wachtwoord wordt geweigerd, het zou niet aan de "
                "eisen voldoen.",
                "Wachtwoordwijziging blijft terugkomen | Windows vraagt steeds of ik mijn wachtwoord wil "
                "wijzigen en weigert daarna het nieuwe.",
                "Wachtwoord gedeeld account | Kunnen jullie het wachtwoord van ons receptie-account "
                "resetten? Degene die het wist is vertrokken.",
                "Beveiligingsvragen vergeten | Ik wil mijn wachtwoord resetten, maar ik weet de antwoorden "
                "op de beveiligingsvragen niet meer."),
            "details": ("Mijn gebruikersnaam is {username}.", "Foutmelding: {auth_code}.",
                        "Ik werk vandaag vanuit {site} op {machine}."),
        },
        "account_lockout": {
            "subjects": ("Account geblokkeerd", "Gebruiker geblokkeerd: {username}", "Kan niet inloggen",
                         "Account vergrendeld"),
            "problems": ("Geblokkeerd na typefouten | Mijn account is geblokkeerd nadat ik een paar keer een "
                         "verkeerd wachtwoord typte.",
                         "{sso_app}: account vergrendeld | Bij het inloggen op {sso_app} krijg ik 'uw "
                         "account is vergrendeld'.",
                         "Account weer op slot | Elke keer dat jullie het deblokkeren, zit het tien minuten "
                         "later weer op slot.",
                         "Geblokkeerd na MFA-verzoeken | Ik kreeg allemaal MFA-verzoeken die niet van mij "
                         "waren en nu is alles geblokkeerd.",
                         "Nergens meer toegang | Sinds de wachtwoordwijziging gisteren kom ik nergens meer "
                         "in: laptop, mail, {app}.",
                         "Alweer geblokkeerd | Mijn account is deze week al voor de derde keer geblokkeerd.",
                         "Account uitgeschakeld na vakantie | Ik ben terug van vakantie en mijn account "
                         "lijkt geblokkeerd of uitgeschakeld.",
                         "Graag account deblokkeren | Kunnen jullie mijn account deblokkeren? Ik heb te vaak "
                         "een verkeerd wachtwoord ingevoerd."),
            "details": ("Foutcode: {auth_code}.", "Computernaam: {machine}.",
                        "Mijn collega {person} heeft sinds vanochtend hetzelfde."),
        },
        "access_request": {
            "subjects": ("Toegangsverzoek", "Aanvraag rechten", "Toegang nodig", "Rechten"),
            "problems": (
                "Schrijfrechten op {share} | Kunnen jullie mij schrijfrechten geven op {share}? {person} "
                "heeft het goedgekeurd.",
                "Nieuwe collega - accounts aanmaken | {person} begint {weekday} bij ons en heeft een laptop, "
                "e-mail en toegang tot {system} nodig.",
                "Toevoegen aan groep {group} | Willen jullie mij toevoegen aan de groep {group}, zodat ik de "
                "teammappen zie?",
                "Toegang tot {system} | Ik ben overgestapt naar {dept} en heb toegang nodig tot {system}.",
                "Toegang geweigerd op {share} | Ik krijg 'toegang geweigerd' op {share}, terwijl ik het voor "
                "mijn nieuwe functie nodig heb.",
                "Toegang tot mailbox {person} | Ik heb volledige toegang nodig tot de mailbox van {person} "
                "tijdens het verlof; de leidinggevende is akkoord.",
                "Uitdienst - toegang intrekken | {person} vertrekt {weekday}; graag de toegang tot {system} "
                "intrekken en de mail naar mij doorsturen.",
                "VPN-toegang nieuwe collega | Willen jullie VPN-toegang regelen voor onze nieuwe collega "
                "{person}?"),
            "details": ("Kostenplaats: {cost_centre}.", "Leesrechten zijn voorlopig genoeg.",
                        "Personeelsnummer: {employee_id}."),
        },
        "hardware": {
            "subjects": ("Hardwareprobleem", "Apparaat defect", "Apparaat kapot", "Storing apparatuur"),
            "problems": ("Laptop start niet op | Mijn {device} gaat vanochtend helemaal niet meer aan.",
                         "Scherm flikkert | Het tweede scherm op het dockingstation flikkert en wordt om de "
                         "paar minuten zwart.",
                         "Printer {printer} papierstoring | Printer {printer} op de {floor} meldt een "
                         "papierstoring, maar er zit niets vast.",
                         "Toetsenbord stuk | Een paar toetsen op mijn laptop doen het niet meer.",
                         "Barst in scherm | Mijn laptop is gevallen en nu zit er een barst in het scherm.",
                         "Muis en toetsenbord reageren niet | Mijn draadloze muis en toetsenbord reageren "
                         "niet meer, ook niet met nieuwe batterijen.",
                         "Laptop laadt niet op | De laptop meldt 'aangesloten, wordt niet opgeladen' en de "
                         "accu staat op 5%.",
                         "Monitor geen signaal | Mijn externe monitor geeft 'geen signaal', terwijl de kabel "
                         "goed vastzit."),
            "details": ("Inventarisnummer: {asset}.", "Het is een {laptop_model}.",
                        "Ander stopcontact en andere kabel al geprobeerd."),
        },
        "software_fault": {
            "subjects": ("Softwareprobleem", "Foutmelding", "Programma werkt niet goed", "Applicatiefout"),
            "problems": ("{app} crasht steeds | {app} crasht elke keer als ik een bijlage open.",
                         "{app} start niet meer | Sinds de update van vannacht start {app} niet meer op.",
                         "Fout {win_code} bij opslaan | Bij opslaan op {share} krijg ik fout {win_code}.",
                         "{app} bevriest | {app} bevriest een minuut lang bij elke vensterwissel.",
                         "Fout in {system} | {system} geeft 'er is een onverwachte fout opgetreden' bij het "
                         "indienen van een declaratie.",
                         "{app} erg traag | {app} is sinds vanochtend extreem traag; elke klik duurt "
                         "seconden.",
                         "Macro's werken niet meer | Onze Excel-macro's werken niet meer sinds de laatste "
                         "Office-update.",
                         "Update mislukt | De nieuwste update wil niet installeren, foutcode {win_code}."),
            "details": ("Versie: {version}.", "In de logboeken staat {exception}.",
                        "Tot {weekday} werkte alles prima."),
        },
        "network_vpn": {
            "subjects": ("VPN-probleem", "Netwerkprobleem", "Verbindingsproblemen", "VPN werkt niet"),
            "problems": ("{vpn} maakt geen verbinding | {vpn} maakt geen verbinding: {vpn_code}.",
                         "VPN zonder intranet | De VPN is verbonden, maar intranet en {share} zijn "
                         "onbereikbaar.",
                         "VPN valt steeds weg | De VPN-verbinding valt elke tien minuten weg, mijn "
                         "gesprekken worden afgebroken.",
                         "Wifi valt steeds weg | De wifi op de {floor} valt steeds weg; met een kabel werkt "
                         "het wel.",
                         "VPN extreem traag | Sinds gisteren is alles via de VPN extreem traag.",
                         "Wifi zonder internet | De laptop is verbonden met de wifi, maar heeft geen "
                         "internet.",
                         "VPN blijft om inlog vragen | {vpn} blijft om mijn inloggegevens vragen en maakt "
                         "nooit verbinding.",
                         "Netwerkaansluiting dood | De netwerkaansluiting op mijn werkplek doet niets; er "
                         "brandt geen lampje."),
            "details": ("Thuis heb ik een {router}.", "Ping naar {hostname} geeft een time-out.",
                        "Internet zelf werkt prima via {isp}."),
        },
        "outage": {
            "subjects": ("Storing", "STORING", "Grote storing", "Alles plat?"),
            "problems": ("{system} ligt eruit | {system} ligt eruit voor het hele kantoor, we krijgen alleen "
                         "{http_code}.",
                         "Niemand kan inloggen op {system} | Sinds ongeveer {time} kan niemand meer inloggen "
                         "op {system}.",
                         "Volledige uitval in {site} | De hele vestiging in {site} heeft geen internet en "
                         "geen telefoon meer.",
                         "Mail werkt bij niemand | Sinds {time} komt er bij de hele afdeling geen mail meer "
                         "binnen.",
                         "Netwerkschijf verdwenen | De netwerkschijf {share} is voor iedereen verdwenen.",
                         "Website plat | Onze website is onbereikbaar, klanten krijgen {http_code}.",
                         "Telefooncentrale storing | De telefooncentrale ligt eruit: geen inkomende of "
                         "uitgaande gesprekken.",
                         "Geen internet op kantoor | Het hele kantoor heeft sinds {time} geen internet."),
            "details": ("Het gaat om ongeveer {n} mensen.",
                        "De statuspagina zegt dat alles werkt, maar dat klopt "
                        "niet.", "Het begon direct na het onderhoud van vannacht."),
        },
        "how_to": {
            "subjects": ("Korte vraag", "Vraag voor IT", "Hoe werkt dit?", "Vraagje"),
            "problems": ("Afwezigheidsmelding instellen | Hoe stel ik in Outlook een automatisch "
                         "afwezigheidsbericht in?",
                         "Agenda delen | Hoe kan ik mijn agenda delen met {person}?",
                         "Printer {printer} toevoegen | Hoe voeg ik printer {printer} toe aan mijn laptop?",
                         "Werkmail op telefoon | Is er een handleiding om mijn werkmail op mijn eigen "
                         "telefoon te krijgen?",
                         "Grote bestanden versturen | Hoe stuur ik grote bestanden naar een externe klant?",
                         "Vergaderruimte boeken | Hoe boek ik in Outlook een vergaderruimte met "
                         "videoverbinding?",
                         "Versleutelde mail | Hoe stuur ik een versleutelde e-mail naar een klant?",
                         "Scannen naar e-mail | Hoe scan ik een document op {printer} en stuur ik het naar "
                         "mijn mail?"),
            "details": ("Op het intranet kon ik er niets over vinden.", "Een kort stappenplan zou top zijn.",
                        "Ik gebruik {app} versie {version}."),
        },
        "billing_licence": {
            "subjects": ("Vraag over licentie", "Vraag over facturatie", "Licenties", "Factuur"),
            "problems": (
                "{app} zonder licentie | {app} meldt ineens 'product zonder licentie' en is alleen nog "
                "leesbaar.",
                "Factuur {invoice} klopt niet | We hebben factuur {invoice} van {amount} ontvangen, terwijl "
                "we twee licenties hebben opgezegd.",
                "Offerte {licence} | Kunnen jullie een offerte sturen voor vijf extra {licence}-licenties?",
                "Verkeerd ordernummer | Het ordernummer op factuur {invoice} klopt niet, onze administratie "
                "kan niet betalen.",
                "Dubbel afgeschreven? | Het lijkt erop dat het abonnement van {month} twee keer is "
                "afgeschreven.",
                "Aantal licenties | Hoeveel {licence}-licenties hebben we nu? We hebben het aantal nodig "
                "voor de verlenging.",
                "Factuur op oude naam | Factuur {invoice} staat nog op onze oude bedrijfsnaam, kunnen jullie "
                "hem opnieuw uitsturen?",
                "Creditnota aanvragen | Graag een creditnota voor de licenties die we in {month} hebben "
                "opgezegd."),
            "details": ("Ons klantnummer: {customer_no}.", "Het juiste ordernummer is {po}.",
                        "Activeringsfout: {licence_code}."),
        },
        "spam_phishing": {
            "subjects": ("Verdachte e-mail", "Phishing?", "Is deze mail echt?", "Mogelijke phishing"),
            "problems": (
                "Doorst: Uw mailbox is vol | Ik kreeg een mail dat mijn mailbox wordt verwijderd als ik hem "
                "niet 'verifieer'.",
                "Nepdirecteur | Iemand doet zich voor als onze directeur en vraagt om cadeaubonnen.",
                "Phishing van {phish_sender} | De afzender is {phish_sender}, dat lijkt op phishing.",
                "Nepfactuur | Een nepfactuur met een ZIP-bijlage van een onbekende leverancier.",
                "Nep-voicemail | Ik kreeg een mail over een nieuw voicemailbericht met een HTML-bijlage - "
                "dat is nep, toch?",
                "Verdachte DocuSign | Een 'DocuSign'-mail vraagt me in te loggen om een contract te bekijken "
                "waar ik niets van weet.",
                "Nepbank | Iemand doet zich via sms en mail voor als onze bank en vraagt kaartgegevens te "
                "bevestigen."),
            "details": ("Ik heb nergens op geklikt.", "De link gaat naar {phish_url}.",
                        "De mail kwam om {time}."),
            "problems_compromised": ("Op phishinglink geklikt | Ik heb op de link geklikt en mijn wachtwoord "
                                     "ingevuld voordat ik doorhad dat het nep was.",
                                     "Per ongeluk MFA goedgekeurd | Ik heb een MFA-verzoek goedgekeurd dat "
                                     "niet van mij kwam.",
                                     "Bijlage geopend | Ik heb de bijlage van een nepfactuur geopend."),
            "details_compromised": ("Mijn wachtwoord heb ik inmiddels gewijzigd.",
                                    "De laptop is van het netwerk gehaald.", "Dat was rond {time}."),
            "urgency": {
                "HIGH": ("Kunnen jullie snel naar mijn account kijken? Ik ben bang dat het gehackt is.",
                         "Wat moet ik nu doen? Graag snel reactie."),
                "CRITICAL": ("Ik denk dat iemand nu in mijn account zit - graag direct blokkeren!",
                             "Bel me meteen op {phone}, dit kan een datalek zijn."),
            },
        },
    },
    "followups": {
        "chase": ("Is hier al nieuws over?", "Even navragen: pakt iemand dit op?",
                  "Het probleem is er nog steeds."),
        "info": ("Aanvulling: het gebeurt ook op mijn tweede {device}.", "De foutcode was {win_code}.",
                 "Inmiddels hebben nog twee collega's hetzelfde."),
        "metoo": ("Hier precies hetzelfde, wij komen er ook niet in.",
                  "Ook de vestiging in {site} is getroffen.", "Zelfde probleem hier sinds {time}."),
    },
    "ooo": {
        "subjects": ("Automatisch antwoord: {orig}", "Afwezig: {orig}", "Niet op kantoor: {orig}"),
        "bodies": (
            "Bedankt voor uw bericht. Ik ben tot en met {return_date} afwezig. Voor dringende zaken kunt u "
            "contact opnemen met {colleague} ({colleague_email}).\n\nMet vriendelijke groet,\n{name}",
            "Ik ben met vakantie en vanaf {return_date} weer bereikbaar. Uw e-mail wordt niet doorgestuurd.",
            "Ik ben op reis tot {return_date} en lees mijn mail beperkt.\n\nI am travelling until "
            "{return_date} with limited access to email."),
    },
    "spam": {
        "delivery": {
            "senders": ("PostNL Bezorging", "Pakketdienst", "Douane-afhandeling"),
            "subjects": ("Uw pakket wordt vastgehouden", "Bezorging mislukt", "Openstaande invoerkosten"),
            "bodies": (
                "Uw pakket kon niet worden bezorgd wegens openstaande invoerkosten van 1,99. Betaal nu om "
                "een nieuwe bezorgdatum te kiezen: {link}",
                "Uw zending ligt klaar in ons depot. Bevestig binnen 48 uur uw adres via {link}"),
        },
    },
    "_quote_header": "Op {date} schreef {name} <{email}>:",
    "_forward_header": "---------- Doorgestuurd bericht ----------",
    "_reply_prefix": "Re: ",
    "_forward_prefix": "Doorst: ",
    "_support_subject": "[{ticket}] Uw verzoek: {subject}",
    "_months": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                "oktober", "november", "december"),
    "_date_format": "{weekday_name} {day} {month_name} {year}",
    "_weekday_names": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
