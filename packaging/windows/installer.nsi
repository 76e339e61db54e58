; Hoist's per-user Windows installer (NSIS 3, Unicode). Built by
; packaging/package.sh with makensis on Debian:
;   makensis -DAPPNAME=… -DAPPID=… -DVERSION=… -DVERSION4=… -DEXE=path\hoist.exe
;            -DICON=path\hoist.ico -DOUTFILE=…-setup.exe installer.nsi
;
; Installs without admin rights into %LocalAppData%\Programs\<name>, adds a
; Start menu entry, registers hoist:// for the user (HKCU\Software\Classes)
; and an entry in Settings → Apps (HKCU ...\Uninstall). The uninstaller
; removes all of that and keeps the user's data (journal, log, settings in
; %LocalAppData%\Hoist and %AppData%\hoist) unless asked: the checkbox on
; its page, or /REMOVEDATA with /S.
;
; Silent: setup.exe /S [/D=C:\path]   uninstall.exe /S [/REMOVEDATA]

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
InstallDirRegKey HKCU "Software\${APPID}" "InstallDir"
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION4}"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} installer"
VIAddVersionKey "LegalCopyright" "The Hoist developers"

!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPID}"
!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_FINISHPAGE_RUN "$INSTDIR\hoist.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME}"

!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!define MUI_PAGE_CUSTOMFUNCTION_SHOW un.ConfirmShow
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var RemoveData
Var RemoveDataBox

Section "Hoist" SecMain
	SetShellVarContext current
	SetOutPath "$INSTDIR"
	File "/oname=hoist.exe" "${EXE}"
	WriteUninstaller "$INSTDIR\uninstall.exe"

	CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\hoist.exe" "" "$INSTDIR\hoist.exe" 0

	; hoist://join?org=… invitation links open Hoist (for this user only).
	WriteRegStr HKCU "Software\Classes\hoist" "" "URL:Hoist invitation link"
	WriteRegStr HKCU "Software\Classes\hoist" "URL Protocol" ""
	WriteRegStr HKCU "Software\Classes\hoist\DefaultIcon" "" '"$INSTDIR\hoist.exe",0'
	WriteRegStr HKCU "Software\Classes\hoist\shell\open\command" "" '"$INSTDIR\hoist.exe" "%1"'

	WriteRegStr HKCU "Software\${APPID}" "InstallDir" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\hoist.exe",0'
	WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "The Hoist developers"
	WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
	WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

Function un.onInit
	StrCpy $RemoveData 0
	${GetParameters} $0
	ClearErrors
	${GetOptions} $0 "/REMOVEDATA" $1
	${IfNot} ${Errors}
		StrCpy $RemoveData 1
	${EndIf}
FunctionEnd

; The confirm page gets a checkbox: keep the data unless the user ticks it.
Function un.ConfirmShow
	${NSD_CreateCheckbox} 0 -20u 100% 12u "Also delete my upload history, unfinished uploads and settings"
	Pop $RemoveDataBox
	${If} $RemoveData == 1
		${NSD_Check} $RemoveDataBox
	${EndIf}
FunctionEnd

Function un.ConfirmLeave
FunctionEnd

Section "Uninstall"
	SetShellVarContext current
	${If} $RemoveDataBox != ""
		${NSD_GetState} $RemoveDataBox $RemoveData
	${EndIf}

	Delete "$INSTDIR\hoist.exe"
	Delete "$INSTDIR\uninstall.exe"
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\${APPNAME}.lnk"

	; Only our own registration of hoist:// (another program may own it).
	ReadRegStr $0 HKCU "Software\Classes\hoist\shell\open\command" ""
	${If} $0 == '"$INSTDIR\hoist.exe" "%1"'
		DeleteRegKey HKCU "Software\Classes\hoist"
	${EndIf}
	DeleteRegKey HKCU "Software\${APPID}"
	DeleteRegKey HKCU "${UNINSTKEY}"

	${If} $RemoveData == 1
		RMDir /r "$LOCALAPPDATA\Hoist"
		RMDir /r "$APPDATA\hoist"
		RMDir /r "$APPDATA\fyne\${APPID}"
	${EndIf}
SectionEnd
