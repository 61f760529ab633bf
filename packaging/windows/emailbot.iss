; Inno Setup 6 script for EmailBot Console: per-user (or all-users) install of the PyInstaller one-folder build,
; a Start-menu entry (and one for the demo mailbox), an optional desktop icon, and an uninstaller.
;
; Build dist\emailbot first (packaging\windows\build.ps1 does everything), then:
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" packaging\windows\emailbot.iss
; -> dist\emailbot-<version>-windows-x64-setup.exe
;
; Name and version are read from dist\emailbot\emailbot.exe, whose version resource emailbot.spec writes from
; emailbot_gui/__init__.py: the version has one source. /DAppVersion=... overrides it.

#define BundleDir AddBackslash(SourcePath) + "..\..\dist\emailbot"
#define AppExe BundleDir + "\emailbot.exe"
#if !FileExists(AppExe)
  #error dist\emailbot\emailbot.exe is missing: build it first (pyinstaller --noconfirm emailbot.spec)
#endif
#define AppName GetStringFileInfo(AppExe, "ProductName")
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AppExe, "ProductVersion")
#endif

[Setup]
AppId={{320D5737-2B3E-4DA7-87BE-0470FEB3DF3C}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=EmailBot Console developers
VersionInfoVersion={#GetVersionNumbersString(AppExe)}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights; the first page offers "all users" instead.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#BundleDir}\..
OutputBaseFilename=emailbot-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\emailbot.ico
UninstallDisplayIcon={app}\emailbot.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder build: emailbot.exe (the window), emailbot-cli.exe (`run`, `--version`) and _internal\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\emailbot.exe"
Name: "{group}\{#AppName} (demo mailbox)"; Filename: "{app}\emailbot.exe"; Parameters: "--demo"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\emailbot.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\emailbot.exe"; Description: "{cm:LaunchProgram,{#StringChange(AppName, '&', '&&')}}"; Flags: nowait postinstall skipifsilent

; The queue, settings and outbox live in %LOCALAPPDATA%\EmailBotConsole and are kept on uninstall on purpose:
; they hold the audit trail of decisions taken on customer mail.
