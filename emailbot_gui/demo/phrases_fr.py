"""French phrase pools for the demo mail generator (written for this project; same keys as `phrases_en`)."""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, Any] = {
    "greetings": ("Bonjour,", "Bonjour à tous,", "Madame, Monsieur,", "Bonjour l'équipe support,", "Salut,",
                  "Bonjour le support,"),
    "intros": ("J'espère que vous allez bien.", "Désolé de vous déranger encore une fois.",
               "On m'a conseillé d'écrire à cette adresse.", "Petite question rapide."),
    "tried": ("J'ai déjà redémarré le {device} deux fois.",
              "Je me suis déconnecté puis reconnecté, sans effet.",
              "J'ai vidé le cache du navigateur, rien à faire.",
              "Chez mon collègue, tout fonctionne normalement.", "La réinstallation n'a rien changé."),
    "closers": ("Merci d'avance.", "Merci pour votre aide.", "Je reste disponible si besoin.",
                "N'hésitez pas à m'appeler.", "Merci de votre retour."),
    "signoffs": ("Cordialement,", "Bien cordialement,", "Bonne journée,", "Merci,", "Bien à vous,"),
    "mobile": ("Envoyé de mon iPhone", "Envoyé depuis Outlook pour Android"),
    "disclaimers": (
        "Ce message et ses pièces jointes sont confidentiels. Si vous l'avez reçu par erreur, merci d'en "
        "informer l'expéditeur et de le supprimer.",
        "Pensez à l'environnement avant d'imprimer ce courriel.",
    ),
    "urgency": {
        "LOW": ("Rien d'urgent.", "Quand vous aurez un moment.", "Pas pressé, c'est juste agaçant."),
        "MEDIUM": ("Ce serait bien de régler ça cette semaine.", "Cela me ralentit pas mal dans mon travail.",
                   "Quelqu'un pourrait-il regarder aujourd'hui ou demain ?"),
        "HIGH": ("Je suis complètement bloqué, c'est urgent.",
                 "J'ai un rendez-vous client à {time} et j'en ai besoin avant.",
                 "Merci de traiter en priorité, la clôture mensuelle en dépend.",
                 "Nous avons une échéance aujourd'hui, cela nous bloque."),
        "CRITICAL": ("Tout le service {dept} est à l'arrêt !", "La production est arrêtée, merci d'escalader "
                     "immédiatement.", "APPELEZ-MOI AU PLUS VITE au {phone}, c'est critique.",
                     "Les {n} utilisateurs du site de {site} sont touchés - P1 !"),
    },
    "subject_tags": {"HIGH": ("URGENT : ", "Urgent - ", "Important : "),
                     "CRITICAL": ("CRITIQUE : ", "P1 - ", "TRÈS URGENT !!! ", "BLOQUANT : ")},
    "fillers": {
        "device": ("PC portable", "poste", "ordinateur", "PC"),
        "dept": ("comptabilité", "commercial", "logistique", "RH", "achats"),
        "weekday": ("lundi", "mardi", "mercredi", "jeudi", "vendredi"),
        "floor": ("2e étage", "rez-de-chaussée", "1er étage", "3e étage"),
        "month": ("février", "mars", "janvier", "décembre"),
    },
    "categories": {
        "password_reset": {
            "subjects": ("Réinitialisation du mot de passe", "Mot de passe", "Problème de mot de passe",
                         "Demande de réinitialisation"),
            "problems": (
                "Mot de passe {sso_app} oublié | J'ai oublié mon mot de passe {sso_app} et je ne peux plus "
                "me connecter.",
                "Mot de passe expiré | Mon mot de passe Windows a expiré ce matin et je n'arrive pas à le "
                "changer depuis chez moi.",
                "Nouveau mot de passe oublié | Pourriez-vous réinitialiser mon mot de passe ? Je l'ai changé "
                "vendredi et je ne m'en souviens plus.",
                "Mail de réinitialisation absent | Le mail de réinitialisation n'arrive jamais, même pas "
                "dans les indésirables.",
                "Nouveau mot de passe refusé | Mon nouveau mot de passe est refusé, il ne respecterait pas "
                "les règles de complexité.",
                "Changement de mot de passe en boucle | Windows me demande sans cesse de changer mon mot de "
                "passe et refuse ensuite le nouveau.",
                "Mot de passe du compte partagé | Pourriez-vous réinitialiser le mot de passe du compte de "
                "l'accueil ? La personne qui le connaissait est partie.",
                "Questions de sécurité oubliées | Je veux réinitialiser mon mot de passe mais je ne me "
                "souviens plus des réponses aux questions de sécurité."),
            "details": ("Mon identifiant est {username}.", "Message d'erreur : {auth_code}.",
                        "Je travaille depuis {site} aujourd'hui, sur {machine}."),
        },
        "account_lockout": {
            "subjects": ("Compte bloqué", "Compte verrouillé - merci de débloquer",
                         "Utilisateur verrouillé : {username}", "Connexion impossible"),
            "problems": (
                "Compte verrouillé après erreurs | Mon compte a été verrouillé après quelques erreurs de "
                "saisie ce matin.",
                "{sso_app} : compte verrouillé | J'obtiens 'votre compte a été verrouillé' en me connectant "
                "à {sso_app}.",
                "Le compte se reverrouille | Dès que le compte est débloqué, il se reverrouille dix minutes "
                "plus tard.",
                "Bloqué après des demandes MFA | J'ai reçu une série de demandes MFA que je n'ai pas faites, "
                "et maintenant tout est bloqué.",
                "Bloqué partout | Depuis le changement de mot de passe hier, je suis bloqué partout : PC, "
                "messagerie, {app}.",
                "Encore bloqué ce matin | Mon compte est bloqué pour la troisième fois cette semaine.",
                "Compte désactivé après les congés | Je rentre de congés et mon compte semble bloqué ou "
                "désactivé.",
                "Merci de débloquer mon compte | Pouvez-vous débloquer mon compte ? J'ai saisi un mauvais "
                "mot de passe trop souvent."),
            "details": ("Code d'erreur : {auth_code}.", "Nom du poste : {machine}.",
                        "Ma collègue {person} a le même souci depuis ce matin."),
        },
        "access_request": {
            "subjects": ("Demande d'accès", "Demande de droits", "Accès nécessaire", "Droits d'accès"),
            "problems": (
                "Droits sur {share} | Pourriez-vous me donner les droits d'écriture sur {share} ? {person} a "
                "validé.",
                "Nouvel arrivant - comptes à créer | {person} arrive chez nous {weekday} et aura besoin d'un "
                "PC, d'une adresse mail et d'un accès à {system}.",
                "Ajout au groupe {group} | Merci de m'ajouter au groupe {group} pour que je voie les "
                "dossiers de l'équipe.",
                "Accès à {system} | J'ai rejoint le service {dept} et j'ai besoin d'un accès à {system}.",
                "Accès refusé sur {share} | J'ai 'accès refusé' sur {share} alors que mon nouveau poste le "
                "nécessite.",
                "Accès à la boîte de {person} | J'ai besoin d'un accès complet à la boîte mail de {person} "
                "pendant son absence, son responsable est d'accord.",
                "Départ - retirer les accès | {person} quitte la société {weekday} ; merci de retirer ses "
                "accès à {system} et de me transférer ses mails.",
                "Accès VPN pour un nouvel arrivant | Merci de créer un accès VPN pour notre nouveau collègue "
                "{person}."),
            "details": ("Centre de coût : {cost_centre}.", "Un accès en lecture suffit pour l'instant.",
                        "Matricule : {employee_id}."),
        },
        "hardware": {
            "subjects": ("Problème matériel", "Matériel défectueux", "Appareil en panne", "Panne matérielle"),
            "problems": ("PC portable ne démarre plus | Mon {device} ne s'allume plus du tout ce matin.",
                         "Écran qui clignote | Le deuxième écran sur la station d'accueil clignote et "
                         "devient noir régulièrement.",
                         "Imprimante {printer} en panne | L'imprimante {printer} au {floor} indique un "
                         "bourrage, mais il n'y a pas de papier coincé.",
                         "Clavier défectueux | Plusieurs touches de mon clavier ne répondent plus.",
                         "Écran fissuré | J'ai fait tomber mon portable, l'écran est fissuré.",
                         "Souris et clavier sans réponse | Ma souris et mon clavier sans fil ne répondent "
                         "plus, même avec des piles neuves.",
                         "Le portable ne charge plus | Le portable affiche 'branché, ne charge pas' et la "
                         "batterie est à 5 %.",
                         "Écran : aucun signal | Mon écran externe affiche 'aucun signal' alors que le câble "
                         "est bien branché."),
            "details": ("Numéro d'inventaire : {asset}.", "C'est un {laptop_model}.",
                        "J'ai déjà essayé une autre prise et un autre câble."),
        },
        "software_fault": {
            "subjects": ("Problème logiciel", "Message d'erreur", "Erreur d'application",
                         "Le logiciel ne fonctionne pas bien"),
            "problems": ("{app} plante sans arrêt | {app} plante à chaque fois que j'ouvre une pièce jointe.",
                         "{app} ne démarre plus | Depuis la mise à jour de cette nuit, {app} ne démarre "
                         "plus.",
                         "Erreur {win_code} à l'enregistrement | J'ai l'erreur {win_code} quand j'enregistre "
                         "un fichier sur {share}.",
                         "{app} se fige | {app} se fige pendant une minute à chaque changement de fenêtre.",
                         "Erreur dans {system} | {system} affiche 'une erreur inattendue s'est produite' "
                         "quand je valide une note de frais.",
                         "{app} très lent | {app} est devenu extrêmement lent depuis ce matin, chaque clic "
                         "prend plusieurs secondes.",
                         "Macros Excel en panne | Nos macros Excel ne fonctionnent plus depuis la dernière "
                         "mise à jour d'Office.",
                         "Échec de mise à jour | La dernière mise à jour ne s'installe pas, erreur "
                         "{win_code}."),
            "details": ("Version : {version}.", "L'observateur d'événements indique {exception}.",
                        "Tout marchait jusqu'à {weekday}."),
        },
        "network_vpn": {
            "subjects": ("Problème VPN", "Problème réseau", "Soucis de connexion", "VPN en panne"),
            "problems": ("{vpn} ne se connecte pas | {vpn} refuse de se connecter : {vpn_code}.",
                         "VPN sans accès interne | Le VPN est connecté mais je n'accède ni à l'intranet ni à "
                         "{share}.",
                         "Coupures VPN | La connexion VPN tombe toutes les dix minutes, mes appels coupent.",
                         "Wi-Fi instable | Le Wi-Fi du {floor} décroche sans arrêt, en filaire ça marche.",
                         "VPN très lent | Depuis hier tout est extrêmement lent via le VPN.",
                         "Wi-Fi sans Internet | Le portable est connecté au Wi-Fi mais sans accès à "
                         "Internet.",
                         "Le VPN redemande le mot de passe | {vpn} me redemande sans cesse mes identifiants "
                         "et ne se connecte jamais.",
                         "Prise réseau morte | La prise réseau de mon bureau ne fonctionne pas, aucun voyant "
                         "ne s'allume."),
            "details": ("À la maison j'ai une {router}.", "Le ping vers {hostname} ne répond pas.",
                        "Internet fonctionne normalement avec {isp}."),
        },
        "outage": {
            "subjects": ("Panne", "PANNE", "Incident majeur", "Tout est en panne ?"),
            "problems": (
                "{system} en panne | {system} est en panne pour tout le bureau, on obtient seulement "
                "{http_code}.",
                "Personne n'accède à {system} | Personne ne peut se connecter à {system} depuis {time} "
                "environ.",
                "Coupure totale à {site} | Tout le site de {site} n'a plus ni Internet ni téléphone.",
                "Plus de messagerie pour personne | Plus aucun mail n'arrive pour tout le service depuis "
                "{time}.",
                "Lecteur réseau disparu | Le lecteur réseau {share} a disparu pour tout le monde.",
                "Site web en panne | Notre site web est inaccessible, les clients obtiennent {http_code}.",
                "Standard téléphonique en panne | Le standard téléphonique est en panne : aucun appel "
                "entrant ni sortant.",
                "Plus d'Internet dans tout le bureau | Tout le bureau est sans Internet depuis {time}."),
            "details": ("Environ {n} personnes sont concernées.", "La page de statut dit que tout va bien, "
                        "ce qui est faux.", "Ça a commencé juste après la maintenance de cette nuit."),
        },
        "how_to": {
            "subjects": ("Petite question", "Question pour l'informatique", "Comment faire ?",
                         "Demande de mode d'emploi"),
            "problems": (
                "Message d'absence | Comment configurer une réponse automatique d'absence dans Outlook ?",
                "Partager un calendrier | Comment partager mon agenda avec {person} ?",
                "Ajouter l'imprimante {printer} | Comment ajouter l'imprimante {printer} sur mon portable ?",
                "Messagerie sur mobile | Existe-t-il un guide pour avoir ma messagerie pro sur mon téléphone "
                "perso ?",
                "Envoi de gros fichiers | Comment envoyer des fichiers volumineux à un client externe ?",
                "Réserver une salle | Comment réserver une salle de réunion avec visioconférence dans "
                "Outlook ?",
                "Envoyer un mail chiffré | Comment envoyer un e-mail chiffré à un client ?",
                "Numériser vers e-mail | Comment numériser un document sur {printer} et l'envoyer vers ma "
                "boîte mail ?"),
            "details": ("Je n'ai rien trouvé sur l'intranet.", "Un petit pas-à-pas serait parfait.",
                        "J'utilise {app} version {version}."),
        },
        "billing_licence": {
            "subjects": ("Question licence", "Question facturation", "Licences", "Facture"),
            "problems": (
                "{app} sans licence | {app} affiche soudain 'produit sans licence' et passe en lecture "
                "seule.",
                "Facture {invoice} erronée | Nous avons reçu la facture {invoice} de {amount} alors que nous "
                "avons résilié deux licences.",
                "Devis licences {licence} | Pourriez-vous nous faire un devis pour cinq licences {licence} "
                "de plus ?",
                "Mauvais numéro de commande | Le numéro de commande sur la facture {invoice} est faux, la "
                "compta ne peut pas payer.",
                "Double prélèvement ? | L'abonnement de {month} semble avoir été prélevé deux fois.",
                "Nombre de licences | Combien de licences {licence} avons-nous actuellement ? Il nous faut "
                "le chiffre pour le renouvellement.",
                "Facture au mauvais nom | La facture {invoice} est adressée à notre ancienne raison sociale, "
                "pouvez-vous la rééditer ?",
                "Demande d'avoir | Merci de nous envoyer un avoir pour les licences résiliées en {month}."),
            "details": ("Notre numéro client : {customer_no}.", "Le bon numéro de commande est {po}.",
                        "Erreur d'activation : {licence_code}."),
        },
        "spam_phishing": {
            "subjects": ("Mail suspect", "Hameçonnage ?", "Ce mail est-il légitime ?",
                         "Tentative de phishing ?"),
            "problems": (
                "TR: Votre boîte aux lettres est pleine | J'ai reçu un mail disant que ma boîte serait "
                "supprimée si je ne la 'vérifie' pas.",
                "Faux PDG | Quelqu'un se fait passer pour notre PDG et demande des cartes cadeaux.",
                "Phishing de {phish_sender} | L'expéditeur est {phish_sender}, ça ressemble à du phishing.",
                "Fausse facture | Une fausse facture avec une pièce jointe ZIP d'un fournisseur inconnu.",
                "Faux message vocal | J'ai reçu un mail annonçant un message vocal avec une pièce jointe "
                "HTML - c'est du faux, non ?",
                "DocuSign suspect | Un mail 'DocuSign' me demande de me connecter pour relire un contrat "
                "dont je n'ai jamais entendu parler.",
                "Fausse banque | Quelqu'un se fait passer pour notre banque par SMS et par mail et demande "
                "de confirmer des données de carte."),
            "details": ("Je n'ai cliqué sur rien.", "Le lien pointe vers {phish_url}.",
                        "Le mail est arrivé à {time}."),
            "problems_compromised": (
                "J'ai cliqué sur un lien douteux | J'ai cliqué sur le lien et saisi mon mot de passe avant "
                "de voir que la page était fausse.",
                "MFA validée par erreur | J'ai validé une demande MFA qui ne venait pas de moi.",
                "Pièce jointe ouverte | J'ai ouvert la pièce jointe d'une fausse facture."),
            "details_compromised": ("J'ai changé mon mot de passe depuis.", "J'ai débranché le PC du réseau.",
                                    "C'était vers {time}."),
            "urgency": {
                "HIGH": ("Pouvez-vous vérifier mon compte rapidement ? J'ai peur qu'il soit compromis.",
                         "Que dois-je faire maintenant ? Merci de me répondre vite."),
                "CRITICAL": (
                    "Je pense que quelqu'un est dans mon compte en ce moment - bloquez-le tout de suite !",
                    "Appelez-moi immédiatement au {phone}, c'est peut-être une intrusion."),
            },
        },
    },
    "followups": {
        "chase": ("Avez-vous du nouveau à ce sujet ?", "Je me permets de relancer : quelqu'un s'en occupe ?",
                  "Le problème est toujours présent."),
        "info": ("Précision : cela arrive aussi sur mon deuxième {device}.",
                 "Le code d'erreur était {win_code}.", "Deux autres collègues sont maintenant touchés."),
        "metoo": ("Pareil chez nous, impossible d'accéder.", "Le site de {site} est aussi touché.",
                  "Même problème ici depuis {time}."),
    },
    "ooo": {
        "subjects": ("Réponse automatique : {orig}", "Absent du bureau : {orig}", "Absence : {orig}"),
        "bodies": (
            "Bonjour,\n\nJe suis absent jusqu'au {return_date} inclus. Pour toute urgence, merci de "
            "contacter {colleague} ({colleague_email}).\n\nCordialement,\n{name}",
            "Je suis en congés et serai de retour le {return_date}. Votre message ne sera pas transféré.",
            "Je suis en déplacement jusqu'au {return_date} avec un accès limité à mes mails.\n\nI am "
            "travelling until {return_date} with limited access to email."),
    },
    "spam": {
        "invoice": {
            "senders": ("Service comptabilité", "Recouvrement", "Service facturation"),
            "subjects": ("Facture impayée {invoice}", "Dernier rappel avant poursuites",
                         "Relance de paiement"),
            "bodies": (
                "Bonjour,\n\nVeuillez trouver la facture {invoice} d'un montant de {amount}, en retard de 30 "
                "jours. Merci de régler aujourd'hui via {link}\n\nService comptabilité",
                "Changement de RIB | Nos coordonnées bancaires ont changé. Merci de régler la facture "
                "{invoice} sur le nouveau compte et de confirmer le RIB sur {link}"),
        },
        "mailbox": {
            "senders": ("Administrateur messagerie", "Support Microsoft 365", "Sécurité informatique"),
            "subjects": ("Action requise sur votre compte", "Avis important", "Vérifiez votre compte"),
            "bodies": (
                "Quota de stockage dépassé | Cher utilisateur,\n\nVotre boîte {email} a dépassé son quota. "
                "Vérifiez votre compte sous 24 heures pour éviter la suppression : {link}",
                "Votre mot de passe expire | Votre mot de passe expire aujourd'hui. Conservez-le en vous "
                "connectant ici : {link}"),
        },
    },
    "_quote_header": "Le {date}, {name} <{email}> a écrit :",
    "_forward_header": "-------- Message transféré --------",
    "_reply_prefix": "RE : ",
    "_forward_prefix": "TR : ",
    "_support_subject": "[{ticket}] Votre demande : {subject}",
    "_months": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                "octobre", "novembre", "décembre"),
    "_date_format": "{weekday_name} {day} {month_name} {year}",
    "_weekday_names": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
