"""English problem statements for identity and security requests: passwords, lockouts, access, phishing.

Written for this project. "problems" entries are "subject | problem": the subject a writer would give
that problem; the generic "subjects" fit any problem of the category. "problems_compromised" and
"details_compromised" are used for phishing reports of HIGH urgency and above (the writer clicked), and
an optional "urgency" dict replaces the general urgency cues for that category.
"""

from __future__ import annotations

from typing import Any

IDENTITY_CATEGORIES: dict[str, Any] = {
    "password_reset": {
        "subjects": ("Password reset", "Password reset needed", "Reset password please", "password",
                     "Password problem", "Need a password reset", "Help with my password",
                     "Login password issue"),
        "problems": (
            "Forgot my {sso_app} password | I've forgotten my password for {sso_app} and the self-service "
            "reset page says my security answers are wrong.",
            "Password expired - can't log in | My Windows password expired this morning and I can't work out "
            "how to set a new one from home.",
            "Can't remember my new password | Could you please reset my password? I changed it on Friday and "
            "now I can't remember what I picked.",
            "Reset email never arrives | The password reset email from {sso_app} never arrives - I've "
            "checked junk as well.",
            "Old password refused | I got a prompt saying my password expires today, clicked 'later' and now "
            "the old one is refused.",
            "Back from leave - need new password | I need my {sso_app} password reset, I've just come back "
            "from leave and nothing works.",
            "New password not accepted | When I try to change my password it says it doesn't meet the "
            "complexity rules, but it has capitals, numbers and a symbol.",
            "{app} still wants old password | I reset my password on the portal but {app} is still asking "
            "for the old one.",
            "Temporary password please | Can you send me a temporary password? I'm on a new phone and lost "
            "my saved passwords.",
            "Reset link expired | The reset link says it has expired even though I clicked it within a "
            "minute.",
            "{system} password stopped working | My password for {system} stopped working after the weekend "
            "and I'd like it reset please.",
            "Mistyped new password | I mistyped my new password when setting it and now I genuinely don't "
            "know what it is.",
            "Password change prompt loops | Windows keeps asking me to change my password, I do it, and then "
            "it asks again at the next login.",
            "Need password reset for {username} | Please reset the password for my account {username}; I've "
            "tried the self-service portal three times.",
            "Can't set new password - history rule | It won't let me reuse any of my old passwords and I've "
            "run out of ideas that meet the rules.",
            "Password reset for shared account | Could you reset the password of our shared reception "
            "account? The person who knew it has left.",
            "Forgot PIN on new laptop | I can't remember the PIN or the password I set up on the new "
            "{device} you gave me.",
            "Password expired while on holiday | My password expired while I was on holiday and now I can't "
            "log in to anything remotely.",
            "Security questions forgotten | I need to reset my password but I can't remember the answers to "
            "my security questions.",
            "Reset my {sso_app} password please | Could you send me a password reset link for {sso_app}? The "
            "'forgot password' button does nothing."),
        "details": ("My username is {username}.",
                    "The error says: {auth_code} - invalid username or password.",
                    "I'm working from {site} today on {machine}.",
                    "The mobile number on file is an old one, so SMS verification won't reach me.",
                    "Last successful login was yesterday around {time}.",
                    "It happens in {browser} and in the desktop app.",
                    "I'm not on the office network at the moment."),
    },
    "account_lockout": {
        "subjects": ("Account locked", "Locked out", "Locked out of my account",
                     "Account locked out - please unlock", "Can't sign in", "User locked: {username}",
                     "Sign-in blocked", "account lockout"),
        "problems": (
            "Account locked after typos | My account got locked after I mistyped my password a few times "
            "this morning.",
            "{sso_app} says account locked | I keep getting 'your account has been locked' when I try to "
            "sign in to {sso_app}.",
            "Account keeps locking again | Every time you unlock my account it gets locked again within ten "
            "minutes.",
            "Phone keeps locking my account | I think my phone is still syncing mail with my old password "
            "and it keeps locking me out.",
            "Account disabled?? | Sign-in says my account is disabled - I haven't left the company, I "
            "promise!",
            "Locked out after MFA prompts | I got about twenty MFA prompts I didn't ask for and now the "
            "account is blocked.",
            "Locked out of everything | After yesterday's password change I'm locked out of everything: "
            "laptop, email, {app}.",
            "Too many attempts | The login page says 'too many attempts, try again later', but it's been two "
            "hours.",
            "Lost authenticator - locked out | My authenticator app was on my old phone and now I'm locked "
            "out of {sso_app} completely.",
            "Windows: account locked out | Windows says 'the referenced account is currently locked out' on "
            "{machine}.",
            "Locked out again this morning | I'm locked out of my account for the third time this week.",
            "Account locked - can't access email | My account is locked, so I can't get into email or Teams "
            "at all.",
            "Colleague's account locked | {person}'s account has been locked since this morning; they're "
            "sitting next to me and can't log in.",
            "Locked out after holiday | I've come back from holiday and my account seems to be locked or "
            "disabled.",
            "Lockout on {machine} | Every time I log on to {machine} it says my account is locked, even with "
            "the right password.",
            "Account blocked by security policy | Sign-in says my account was blocked by a security policy "
            "and to contact the administrator.",
            "Locked out of VPN and email | After entering an old password on my phone I'm now locked out of "
            "the VPN and email.",
            "Please unlock my account | Could someone unlock my account? I entered the wrong password too "
            "many times."),
        "details": ("Error shown: {auth_code}.",
                    "It seems to lock every time the laptop reconnects to the VPN.",
                    "I'm on {machine} if that helps.",
                    "My colleague {person} has the same issue since this morning.",
                    "I only have my personal phone with me right now.", "Username: {username}.",
                    "It first happened around {time}."),
    },
    "access_request": {
        "subjects": ("Access request", "Permission request", "Request for access", "Access needed",
                     "Permissions", "New access request", "Access please"),
        "problems": (
            "Access request: {share} | Could you give me read/write access to {share}? My manager {person} "
            "has approved it.",
            "New starter needs accounts | We have a new starter, {person}, joining on {weekday} who will "
            "need a laptop, email and access to {system}.",
            "Please add me to {group} | I'd like to be added to the {group} group so I can see the team's "
            "shared folders.",
            "Access to {system} after team move | I've moved to the {dept} team and need access to {system}; "
            "please remove my old permissions too.",
            "Access for contractor {person} | Can you grant our contractor {person} access to {app} for the "
            "next three months?",
            "Access denied on {share} | I get 'access denied' when opening {share}, although my new role "
            "should include it.",
            "Admin account for {system} | Please set up an admin account for me on {system}, I'm the new "
            "team lead.",
            "{app} project space - audit | Requesting access to the {app} project space for the audit.",
            "Temporary local admin rights | I need to install software on my {device} for a training course "
            "- could I get local admin rights temporarily?",
            "New shared mailbox | Could you create a shared mailbox for our team, with me and {person} as "
            "owners?",
            "Access to the {dept} Teams channel | Could I be added to the {dept} Teams channel? I'm covering "
            "for {person} for two weeks.",
            "Mailbox delegation | I need full access to {person}'s mailbox while they are on leave; their "
            "manager has agreed.",
            "Leaver - remove access | {person} leaves on {weekday}; please remove their access to {system} "
            "and forward their mail to me.",
            "VPN access for new employee | Please set up VPN access for our new colleague {person}.",
            "Read access to reports in {system} | I need read access to the reports section of {system} for "
            "the quarterly review.",
            "Permissions on project folder | Could you give the whole project team modify permissions on "
            "{share}?",
            "Guest access for partner | We'd like to give an external partner guest access to one of our "
            "SharePoint sites.",
            "Access to {app} for new role | Please give me access to {app}; my new role in {dept} needs it."),
        "details": ("Cost centre: {cost_centre}.", "Approval from my line manager is below.",
                    "Read-only access is enough for now.",
                    "The access is needed until the end of the quarter.", "Employee ID: {employee_id}.",
                    "Ideally before {weekday} so they can start on time.",
                    "Same permissions as {person} would be perfect."),
    },
    "spam_phishing": {
        "subjects": ("Suspicious email", "Phishing?", "Is this legit?", "Scam email received",
                     "Reporting a phishing mail", "Possible phishing", "Suspicious message"),
        "problems": (
            "Fw: Your mailbox is full | I received an email saying my mailbox will be deleted unless I "
            "'verify' my account - is it genuine?",
            "Weird email from 'the CEO' | Someone pretending to be our CEO asked me to buy gift cards "
            "urgently. I haven't replied.",
            "Strange invoice email | We got an invoice from a supplier we've never heard of, with a zip "
            "attached. Forwarding it to you.",
            "Fake {sso_app} email? | An email from '{sso_app} security' asks me to confirm my login at "
            "{phish_url}.",
            "Payroll phishing | Several of us got the same 'payroll update' mail asking for bank details.",
            "Phishing from {phish_sender} | This looks like phishing; the sender is {phish_sender}, not our "
            "usual domain.",
            "Parcel scam | A 'parcel on hold' text and email both arrived this morning asking for a customs "
            "fee.",
            "Fake voicemail email | I got an email saying I have a new voicemail with an HTML attachment - "
            "that's not how our phones work, right?",
            "Gift cards for 'manager' | A message claiming to be from my manager asked for my mobile number "
            "and some gift cards.",
            "Suspicious DocuSign | A 'DocuSign' email wants me to log in to review a contract I know nothing "
            "about.",
            "Fake bank email | Someone sent a text and an email pretending to be our bank, asking to confirm "
            "card details."),
        "details": ("I have not clicked anything.", "The link goes to {phish_url}.",
                    "The mail arrived at {time}.", "I've deleted it but kept a copy in case you need it.",
                    "It was sent to our whole department.", "The grammar gave it away, to be honest."),
        "problems_compromised": (
            "I think I clicked a bad link | I clicked the link in an email about a shared document and typed "
            "my password before I realised it looked wrong.",
            "Approved MFA prompt by mistake | I think I was phished: I approved an MFA prompt that I didn't "
            "start.",
            "Opened fake invoice attachment | I opened the attachment in a fake invoice email and now my "
            "{device} is behaving strangely.",
            "Entered password on fake page | I entered my {sso_app} login on a page that turned out to be "
            "fake ({phish_url}).",
            "Paid a fake invoice | Our accounts team paid a 'supplier' invoice with changed bank details - "
            "it was a scam.",
            "Gave my password on the phone | Someone called claiming to be from IT and I gave them my "
            "password - I'm so sorry.",
            "Signed in on fake DocuSign | I signed in on a fake DocuSign page before I noticed the address "
            "was strange."),
        "details_compromised": ("I've changed my password since, but I'm worried.",
                                "I did open the attachment, sorry.",
                                "Some of my contacts say they got odd emails from me.",
                                "It happened around {time}.", "I disconnected the laptop from the network."),
        "urgency": {
            "LOW": ("Just flagging it so others don't fall for it.", "No action needed from me, I think.",
                    "Thought you'd want to know."),
            "MEDIUM": ("Could you check whether others got it too?", "Maybe worth blocking the sender?",
                       "Please let me know if I need to do anything."),
            "HIGH": ("Please check my account quickly, I'm worried it's compromised.",
                     "What should I do now? Please advise asap.", "I'm nervous about this one, please look "
                     "at it today."),
            "CRITICAL": ("I think someone is in my account right now - please lock it immediately!",
                         "Money may already have left the account, please escalate now.",
                         "Please call me on {phone} straight away, this may be a breach."),
        },
    },
}
