"""English problem statements for service requests: hardware, software, network, outages, how-to, billing.

Written for this project. "problems" entries are "subject | problem": the subject a writer would give
that problem; the generic "subjects" fit any problem of the category.
"""

from __future__ import annotations

from typing import Any

SERVICE_CATEGORIES: dict[str, Any] = {
    "hardware": {
        "subjects": ("Hardware problem", "Hardware issue", "Faulty equipment", "Something broken",
                     "Equipment issue", "Device problem"),
        "problems": (
            "Laptop won't turn on | My {device} won't power on at all this morning - no lights, nothing.",
            "Monitor flickering | The second monitor on my docking station keeps flickering and going black "
            "every few minutes.",
            "Printer {printer} jammed again | Printer {printer} on the {floor} shows a paper jam, but "
            "there's no paper stuck anywhere.",
            "Keyboard keys not working | Several keys on my laptop keyboard stopped working (E, R and the "
            "space bar).",
            "Cracked screen | I dropped my laptop and now the screen has a crack right across the middle.",
            "Headset not recognised | My USB headset isn't recognised any more, so I can't join calls with "
            "audio.",
            "Laptop overheating and very loud | The fan on my laptop runs at full speed constantly and the "
            "thing gets really hot.",
            "Docking station not charging | The docking station doesn't charge the laptop any more; the "
            "light on it blinks orange.",
            "Battery swelling? | My battery only lasts about 40 minutes now and the touchpad is lifting a "
            "bit.",
            "Webcam black | The webcam shows a black image in every app.",
            "Spare charger? | I left my charger at the {site} office; is there a spare I can pick up?",
            "Mouse and keyboard not working | My wireless mouse and keyboard stopped responding, even with "
            "new batteries.",
            "No sound from laptop speakers | There's no sound from the laptop speakers at all; headphones "
            "work.",
            "Laptop won't charge | The laptop says 'plugged in, not charging' and the battery is at 5%.",
            "Printer {printer} printing blank pages | {printer} prints blank pages since the toner was "
            "changed.",
            "Monitor no signal | My external monitor says 'no signal' although the cable is plugged in "
            "properly.",
            "Company phone screen cracked | My company phone fell and the screen is shattered; touch no "
            "longer works on the left side.",
            "Docking station USB ports dead | None of the USB ports on the docking station work any more.",
            "Strange noise from PC | My desktop PC makes a loud clicking noise and sometimes freezes."),
        "details": ("Asset tag: {asset}.", "The model is a {laptop_model}.",
                    "It's the one next to the kitchen on the {floor}.",
                    "I've tried another power socket and another cable.",
                    "It started after the last Windows update, if that matters.",
                    "I can bring it to the IT desk any time today.", "Machine name is {machine}."),
    },
    "software_fault": {
        "subjects": ("Software problem", "Software issue", "Error message", "Application error",
                     "Program not working properly", "Something wrong with my software"),
        "problems": (
            "{app} keeps crashing | {app} crashes every time I try to open an attachment.",
            "{app} won't start after update | Since the update last night {app} won't start - it shows the "
            "splash screen and disappears.",
            "Error {win_code} when saving | I get the error {win_code} whenever I try to save a file to "
            "{share}.",
            "{app} not responding | {app} freezes for about a minute every time I switch between windows.",
            "Bug in {system}? | {system} throws an 'unexpected error occurred' message when I submit an "
            "expense claim.",
            "Excel freezes on budget file | Excel hangs when I open our budget workbook; other files are "
            "fine.",
            "Outlook search broken | Outlook search returns nothing for emails older than last week.",
            "{app} keeps logging me out | {app} logs me out every few minutes and I lose whatever I was "
            "typing.",
            "Empty PDF export | The PDF export in {system} produces an empty file.",
            "Teams error loop | Teams shows 'We're sorry - we've run into an issue' and asks me to restart, "
            "over and over.",
            "Add-ins gone after update | After installing the latest update, {app} opens but all my add-ins "
            "are gone.",
            "{app} very slow | {app} has become extremely slow since this morning; every click takes several "
            "seconds.",
            "Can't open attachments | Attachments open as blank documents in {app}.",
            "Calendar not syncing | My calendar doesn't sync between Outlook and my phone any more.",
            "Update failed with {win_code} | The latest update fails to install with error {win_code}.",
            "Printing from {app} crashes | {app} crashes as soon as I try to print anything.",
            "Macros stopped working | Our Excel macros stopped working after the last Office update.",
            "Blue screen after update | My laptop shows a blue screen mentioning {exception} after the "
            "update last night.",
            "Search not working in {system} | Search in {system} returns nothing, even for records I know "
            "exist."),
        "details": ("Version: {version}.", "The full error text is {win_code} - {exception}.",
                    "It happens on {machine} but not on my colleague's PC.",
                    "Event viewer shows {exception} at the same time.",
                    "I've tried repairing the installation from Control Panel.",
                    "It was working fine until {weekday}.", "Safe mode makes no difference."),
    },
    "network_vpn": {
        "subjects": ("VPN problem", "Network issue", "Connection problems", "VPN not working",
                     "Network / VPN issue", "Connectivity problem"),
        "problems": (
            "{vpn} error | {vpn} fails to connect with {vpn_code}.",
            "VPN up but no internal sites | The VPN connects, but I can't reach any internal sites or "
            "{share}.",
            "VPN disconnects every few minutes | My VPN connection drops every ten minutes or so, which "
            "kills my calls.",
            "Wi-Fi keeps dropping | The office Wi-Fi on the {floor} keeps disconnecting; the wired network "
            "works fine.",
            "Can't connect to VPN from home | Working from home today and {vpn} just spins on "
            "'connecting...'.",
            "Very slow over VPN | Since yesterday everything over the VPN is painfully slow - a small file "
            "takes minutes to open.",
            "No network in room {room} | I can't get an IP address when I plug into the network port in "
            "meeting room {room}.",
            "VPN certificate warning | A certificate warning pops up when I connect to the VPN and then it "
            "fails.",
            "DNS problem? | Internal names don't resolve: {hostname} works by IP but not by name.",
            "Hotel Wi-Fi blocks VPN | I'm travelling and the hotel Wi-Fi seems to block the VPN - is there "
            "another way in?",
            "Wi-Fi connected but no internet | My laptop says it's connected to the Wi-Fi but there's no "
            "internet access.",
            "VPN keeps asking for credentials | {vpn} keeps asking for my credentials and never connects.",
            "Can't reach {hostname} | I can't reach {hostname} from the office network, but colleagues can.",
            "Slow network on the {floor} | The network on the {floor} is very slow today; downloads crawl.",
            "Network port not working | The network port at my desk seems dead; the link light on the laptop "
            "stays off.",
            "Teams calls drop on VPN | When I'm on the VPN, every Teams call drops after a minute or so.",
            "Internet slow on VPN | Since the VPN change all my normal internet traffic goes through the "
            "office and is very slow.",
            "Guest Wi-Fi not working | Our visitors can't connect to the guest Wi-Fi; the login page never "
            "appears."),
        "details": ("My home router is a {router}.",
                    "ping to {hostname} times out; traceroute stops at {ip}.",
                    "The client log says: {vpn_code}.",
                    "I'm on {isp} fibre at home and the internet itself works fine.",
                    "It happens on Wi-Fi and with a cable.", "My IP is {ip}, if that helps.",
                    "Client version {version}."),
    },
    "outage": {
        "subjects": ("Outage", "OUTAGE", "Service down", "Major incident", "System outage",
                     "Everything down?", "Is something down?"),
        "problems": (
            "{system} is down | {system} is down for everyone in our office - it just shows {http_code}.",
            "Nobody can log in to {system} | None of us can log in to {system} since about {time}.",
            "Whole {site} office offline | The whole {site} office has lost internet and phone lines.",
            "Email not working for anyone | Email stopped arriving for the whole team around {time}; "
            "outgoing mail is stuck in the outbox too.",
            "{share} gone for everyone | Our shared drive {share} has disappeared for everyone in the "
            "department.",
            "{system} not loading for anyone | {system} loads forever and then times out, for all of us "
            "here.",
            "Printers and badge readers dead | All printers and the badge readers on site stopped working at "
            "the same time.",
            "Phones and Teams down | Teams calls fail for everyone, and the desk phones show 'no service'.",
            "Order system down - warehouse stopped | The order system returns errors for all users and the "
            "warehouse can't print labels.",
            "{sso_app} sign-in failing everywhere | Users across several sites report that {sso_app} sign-in "
            "fails with {auth_code}.",
            "Website down | Our public website is down; customers get {http_code}.",
            "Internet down across the office | The whole office has lost internet since {time}.",
            "Payroll system down on payday | Nobody in HR can reach the payroll system, and salaries go out "
            "today.",
            "Shared calendars down | Nobody can open shared calendars or book rooms; Outlook shows errors "
            "for everyone.",
            "Wi-Fi down on all floors | The Wi-Fi is down on every floor of the building.",
            "Telephone system down | Our telephone system is down - no incoming or outgoing calls for "
            "anyone.",
            "{system} unavailable after update | Since last night's update {system} is unavailable for every "
            "user.",
            "Cloud storage unreachable | OneDrive and SharePoint are unreachable for the whole company."),
        "details": ("It affects roughly {n} people that I know of.",
                    "The status page says everything is fine, but it clearly isn't.",
                    "It started right after the maintenance window last night.",
                    "Colleagues at the {site} site see the same.", "The error page shows reference {ticket}.",
                    "We have a customer audit this afternoon, so the timing is terrible.",
                    "Nothing has changed on our side."),
    },
    "how_to": {
        "subjects": ("Quick question", "Question", "How-to question", "Question for IT", "Need some guidance",
                     "Can you help me with something?", "Small question"),
        "problems": (
            "How do I set up an out-of-office? | How do I set up an automatic out-of-office reply in "
            "Outlook?",
            "How to share a calendar | Could you tell me how to share my calendar with {person} so they can "
            "book meetings for me?",
            "Adding printer {printer} | What's the right way to add the printer {printer} to my laptop?",
            "Setting up email on my phone | How can I get my work email on my personal phone? Is there a "
            "guide?",
            "How to recover a deleted file? | I deleted a folder on {share} by mistake yesterday - is there "
            "a way to get it back myself?",
            "Where can I find the VPN installer? | Where do I find the installer for {vpn} for my new home "
            "PC?",
            "Sending large attachments? | Is there a way to send files larger than 25 MB to an external "
            "customer?",
            "New email signature | How do I change my email signature to the new company template?",
            "{app} on a Mac? | Can I use {app} on a Mac, and if so where do I download it?",
            "Booking room screens | What's the process for booking the meeting room screens for a hybrid "
            "meeting?",
            "Moving authenticator to new phone | How do I move my authenticator app to a new phone before I "
            "hand in the old one?",
            "How do I book a meeting room? | How do I book a meeting room with video conferencing through "
            "Outlook?",
            "How to set up a contact group | Could you explain how I create a contact group for my team?",
            "How to connect to the projector | What do I need to do to connect my laptop to the projector in "
            "room {room}?",
            "Dark mode in {app}? | Is it possible to switch {app} to dark mode, and how?",
            "Where do I save shared files? | Where should I save files so the whole team can work on them?",
            "How to encrypt an email | How do I send an encrypted email to a client?",
            "How to scan to email | Can you explain how to scan a document on {printer} and send it to my "
            "email?",
            "Keyboard shortcuts | Is there a list of useful keyboard shortcuts for {app}?"),
        "details": ("I'm using {app} version {version}.",
                    "I couldn't find anything about it on the intranet.",
                    "A short step-by-step would be perfect.", "I'm on a Windows laptop, if it matters.",
                    "Asking for the whole team, actually - a few of us want to know.",
                    "Someone showed me once but I've forgotten.", "Screenshots welcome!"),
    },
    "billing_licence": {
        "subjects": ("Licence question", "Billing question", "Invoice query", "Licensing",
                     "Question about our subscription", "Invoice / licence"),
        "problems": (
            "{app} says 'unlicensed product' | {app} suddenly says 'unlicensed product' and has gone "
            "read-only.",
            "Invoice {invoice} - wrong seat count | We've received invoice {invoice} for {amount}, but we "
            "cancelled two seats last month.",
            "Quote for extra {licence} licences | Could we get a quote for five more {licence} licences?",
            "Licence expired for {licence} | My {licence} licence expired and I can't open any files.",
            "Double charged? | It looks like we were charged twice for the {month} subscription.",
            "Licence transfer to new starter | We need to move a licence from a leaver to a new starter, "
            "{person}.",
            "Renewal date for {licence} | Can you tell me when our {licence} agreement is up for renewal and "
            "what it will cost?",
            "Cancel unused licences | We have about ten licences nobody uses; can we reduce the count from "
            "next month?",
            "Wrong PO on invoice {invoice} | The PO number on invoice {invoice} is wrong, so our finance "
            "team can't pay it.",
            "Out of licences? | I get 'your organisation has run out of licences' when activating {app}.",
            "Licence count for renewal | How many {licence} licences do we currently have? We need the "
            "number for our renewal.",
            "Invoice addressed to wrong company | Invoice {invoice} is addressed to our old company name; "
            "could you reissue it?",
            "VAT missing on invoice | Our accounts team noticed the VAT number is missing on invoice "
            "{invoice}.",
            "Upgrade to {licence} | We'd like to upgrade three users to {licence}; what would that cost per "
            "month?",
            "Trial expired - want to buy | The trial of {app} ended and we want to buy it properly - how do "
            "we proceed?",
            "Credit note request | Please send a credit note for the seats we removed in {month}.",
            "Pay by bank transfer? | Can we pay invoice {invoice} by bank transfer instead of card?",
            "Subscription cancelled by mistake? | Our {licence} subscription shows as cancelled, but we "
            "never asked for that."),
        "details": ("Our customer number is {customer_no}.", "The PO number should be {po}.",
                    "Please send the corrected invoice to accounts payable.",
                    "We're on the annual plan, as far as I know.", "The activation error is {licence_code}.",
                    "Our financial year closes on the 31st, so timing matters.",
                    "The invoice total was {amount}."),
    },
}
