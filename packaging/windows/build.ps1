# Builds the Windows installer of EmailBot Console:
#   1. a build virtual environment with the app and PyInstaller (packaging\requirements-build.txt),
#   2. the one-folder app: pyinstaller --noconfirm emailbot.spec  ->  dist\emailbot\
#   3. the frozen smoke test: packaging\smoke_test.py dist\emailbot
#   4. the installer: Inno Setup's ISCC on packaging\windows\emailbot.iss  ->  dist\emailbot-<version>-windows-x64-setup.exe
#
# Needs Python 3.11+ (64-bit, python.org or winget) and Inno Setup 6 (https://jrsoftware.org, or
# `winget install JRSoftware.InnoSetup`). From the repository root, in PowerShell:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Set $env:ISCC to ISCC.exe's path if Inno Setup is not in its default folder.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

function Invoke-Checked {
    param([string]$Program, [Parameter(ValueFromRemainingArguments = $true)][string[]]$Arguments)
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $Arguments failed with exit code $LASTEXITCODE" }
}

if (-not (Test-Path .venv-build)) { Invoke-Checked python -m venv .venv-build }
$python = Join-Path (Get-Location) ".venv-build\Scripts\python.exe"
Invoke-Checked $python -m pip install --upgrade pip
Invoke-Checked $python -m pip install -e . -r packaging\requirements-build.txt
Invoke-Checked $python -m PyInstaller --noconfirm emailbot.spec
Invoke-Checked $python packaging\smoke_test.py dist\emailbot

$iscc = if ($env:ISCC) { $env:ISCC } else { Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup's ISCC.exe not found at $iscc (install Inno Setup 6 or set `$env:ISCC)" }
Invoke-Checked $iscc packaging\windows\emailbot.iss
$version = & $python packaging\bundle_manifest.py version
Write-Host "dist\emailbot-$version-windows-x64-setup.exe"
