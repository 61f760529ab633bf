"""Spanish phrase pools for the demo mail generator (written for this project; same keys as `phrases_en`)."""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, Any] = {
    "greetings": ("Hola,", "Buenos días,", "Estimado equipo de soporte:", "Hola a todos,", "Buenas tardes,",
                  "Hola equipo de IT,"),
    "intros": ("Espero que estéis bien.", "Perdonad que os escriba otra vez.", "Me han dicho que escriba a "
               "este buzón.", "Una consulta rápida."),
    "tried": ("Ya he reiniciado el {device} dos veces.",
              "He cerrado sesión y he vuelto a entrar, sin cambios.",
              "He borrado la caché del navegador y nada.", "A mi compañero le funciona perfectamente.",
              "Reinstalar tampoco ha servido."),
    "closers": ("Gracias de antemano.", "Muchas gracias por vuestra ayuda.", "Quedo a la espera de vuestra "
                "respuesta.", "Si necesitáis algo más, decidme.", "Estoy disponible toda la mañana."),
    "signoffs": ("Un saludo,", "Saludos cordiales,", "Atentamente,", "Gracias,", "Un abrazo,"),
    "mobile": ("Enviado desde mi iPhone", "Enviado desde Outlook para Android"),
    "disclaimers": (
        "Este mensaje y sus anexos son confidenciales. Si lo ha recibido por error, comuníquelo al remitente "
        "y elimínelo.",
        "Antes de imprimir este correo, piense si es necesario.",
    ),
    "urgency": {
        "LOW": ("No corre prisa.", "Cuando podáis, sin problema.", "No es urgente, solo molesto."),
        "MEDIUM": ("Estaría bien resolverlo esta semana.", "Me está ralentizando bastante.",
                   "¿Podría alguien mirarlo hoy o mañana?"),
        "HIGH": ("No puedo trabajar así, es urgente.", "Tengo una reunión con un cliente a las {time} y lo "
                 "necesito antes.", "Por favor, con prioridad alta: el cierre de mes depende de esto.",
                 "Tenemos una entrega hoy y esto nos bloquea."),
        "CRITICAL": ("¡Todo el departamento de {dept} está parado!", "La producción está detenida, escalad "
                     "inmediatamente por favor.", "LLAMADME CUANTO ANTES al {phone}, es crítico.",
                     "Los {n} usuarios de la sede de {site} están afectados - P1."),
    },
    "subject_tags": {"HIGH": ("URGENTE: ", "Urgente - ", "Importante: "),
                     "CRITICAL": ("CRÍTICO: ", "P1 - ", "¡¡MUY URGENTE!! ", "CAÍDA TOTAL: ")},
    "fillers": {
        "device": ("portátil", "ordenador", "PC", "equipo"),
        "dept": ("contabilidad", "ventas", "almacén", "RR. HH.", "compras"),
        "weekday": ("lunes", "martes", "miércoles", "jueves", "viernes"),
        "floor": ("segunda planta", "planta baja", "primera planta", "tercera planta"),
        "month": ("febrero", "marzo", "enero", "diciembre"),
    },
    "categories": {
        "password_reset": {
            "subjects": ("Restablecer contraseña", "Contraseña", "Problema con la contraseña",
                         "Solicitud de cambio de contraseña"),
            "problems": (
                "Contraseña de {sso_app} olvidada | He olvidado mi contraseña de {sso_app} y no puedo "
                "entrar.",
                "Contraseña caducada | Mi contraseña de Windows ha caducado esta mañana y no sé cambiarla "
                "desde casa.",
                "No recuerdo la nueva contraseña | ¿Podéis restablecer mi contraseña? La cambié el viernes y "
                "no la recuerdo.",
                "No llega el correo de restablecimiento | El correo para restablecer la contraseña no llega "
                "nunca, tampoco a spam.",
                "Nueva contraseña rechazada | La nueva contraseña no se acepta, dice que no cumple los "
                "requisitos.",
                "El cambio de contraseña se repite | Windows me pide una y otra vez que cambie la contraseña "
                "y luego no acepta la nueva.",
                "Contraseña de la cuenta compartida | ¿Podéis restablecer la contraseña de la cuenta de "
                "recepción? La persona que la sabía ya no está.",
                "Preguntas de seguridad olvidadas | Quiero restablecer la contraseña, pero no recuerdo las "
                "respuestas de seguridad."),
            "details": ("Mi usuario es {username}.", "El error es: {auth_code}.",
                        "Hoy trabajo desde {site} con el equipo {machine}."),
        },
        "account_lockout": {
            "subjects": ("Cuenta bloqueada", "Usuario bloqueado: {username}", "No puedo iniciar sesión",
                         "Desbloqueo de cuenta"),
            "problems": (
                "Cuenta bloqueada tras errores | Mi cuenta se ha bloqueado después de equivocarme varias "
                "veces con la contraseña.",
                "{sso_app}: cuenta bloqueada | Al entrar en {sso_app} me sale 'su cuenta ha sido bloqueada'.",
                "Se bloquea otra vez | Cada vez que la desbloqueáis, se vuelve a bloquear a los diez "
                "minutos.",
                "Bloqueado tras avisos MFA | He recibido muchas solicitudes MFA que no eran mías y ahora "
                "está todo bloqueado.",
                "Bloqueado en todo | Desde el cambio de contraseña de ayer estoy bloqueado en todo: equipo, "
                "correo, {app}.",
                "Bloqueado otra vez esta mañana | Mi cuenta se ha bloqueado por tercera vez esta semana.",
                "Cuenta desactivada tras las vacaciones | He vuelto de vacaciones y mi cuenta parece "
                "bloqueada o desactivada.",
                "Desbloquear mi cuenta | ¿Podéis desbloquear mi cuenta? He puesto mal la contraseña "
                "demasiadas veces."),
            "details": ("Código de error: {auth_code}.", "Nombre del equipo: {machine}.",
                        "Mi compañero {person} tiene el mismo problema desde esta mañana."),
        },
        "access_request": {
            "subjects": ("Solicitud de acceso", "Petición de permisos", "Necesito acceso", "Permisos"),
            "problems": (
                "Permisos en {share} | ¿Me podéis dar permisos de escritura en {share}? {person} ya lo ha "
                "aprobado.",
                "Nueva incorporación - accesos | {person} se incorpora el {weekday} y necesitará portátil, "
                "correo y acceso a {system}.",
                "Añadirme al grupo {group} | Por favor, añadidme al grupo {group} para ver las carpetas del "
                "equipo.",
                "Acceso a {system} | Me he cambiado al departamento de {dept} y necesito acceso a {system}.",
                "Acceso denegado en {share} | Me sale 'acceso denegado' en {share}, pero lo necesito para mi "
                "nuevo puesto.",
                "Acceso al buzón de {person} | Necesito acceso completo al buzón de {person} mientras está "
                "de baja; su responsable está de acuerdo.",
                "Baja - quitar accesos | {person} se va el {weekday}; por favor, quitad sus accesos a "
                "{system} y reenviadme su correo.",
                "Acceso VPN para nueva incorporación | Por favor, cread un acceso VPN para nuestra nueva "
                "compañera {person}."),
            "details": ("Centro de coste: {cost_centre}.", "Con acceso de lectura es suficiente.",
                        "Número de empleado: {employee_id}."),
        },
        "hardware": {
            "subjects": ("Problema de hardware", "Equipo averiado", "Equipo estropeado", "Avería"),
            "problems": ("El portátil no enciende | Mi {device} no enciende esta mañana, ni luces ni nada.",
                         "Pantalla parpadea | El segundo monitor conectado a la base parpadea y se queda en "
                         "negro cada pocos minutos.",
                         "Impresora {printer} atascada | La impresora {printer} de la {floor} marca atasco "
                         "de papel, pero no hay nada atascado.",
                         "Teclado roto | Varias teclas del portátil han dejado de funcionar.",
                         "Pantalla rajada | Se me cayó el portátil y ahora la pantalla está rajada.",
                         "Ratón y teclado no responden | El ratón y el teclado inalámbricos no responden, ni "
                         "con pilas nuevas.",
                         "El portátil no carga | El portátil dice 'enchufado, no se está cargando' y la "
                         "batería está al 5 %.",
                         "Monitor sin señal | El monitor externo dice 'sin señal' aunque el cable está bien "
                         "conectado."),
            "details": ("Número de inventario: {asset}.", "Es un {laptop_model}.",
                        "Ya he probado otro enchufe y otro cable."),
        },
        "software_fault": {
            "subjects": ("Fallo de software", "Mensaje de error", "Error de aplicación",
                         "El programa no funciona bien"),
            "problems": ("{app} se cierra solo | {app} se cierra cada vez que intento abrir un adjunto.",
                         "{app} no arranca | Desde la actualización de anoche {app} ya no arranca.",
                         "Error {win_code} al guardar | Al guardar en {share} aparece el error {win_code}.",
                         "{app} se congela | {app} se queda congelado un minuto cada vez que cambio de "
                         "ventana.",
                         "Error en {system} | {system} muestra 'se ha producido un error inesperado' al "
                         "enviar una nota de gastos.",
                         "{app} muy lento | {app} va lentísimo desde esta mañana; cada clic tarda varios "
                         "segundos.",
                         "Las macros no funcionan | Nuestras macros de Excel dejaron de funcionar con la "
                         "última actualización de Office.",
                         "Falla la actualización | La última actualización no se instala, da el error "
                         "{win_code}."),
            "details": ("Versión: {version}.", "En el visor de eventos aparece {exception}.",
                        "Hasta el {weekday} funcionaba bien."),
        },
        "network_vpn": {
            "subjects": ("Problema de VPN", "Problema de red", "Problemas de conexión", "La VPN no va"),
            "problems": ("{vpn} no conecta | {vpn} no conecta, da {vpn_code}.",
                         "VPN sin acceso interno | La VPN conecta, pero no llego ni a la intranet ni a "
                         "{share}.",
                         "La VPN se cae | La VPN se desconecta cada diez minutos y se me cortan las "
                         "llamadas.",
                         "El wifi se cae | El wifi de la {floor} se cae continuamente; por cable funciona.",
                         "VPN lentísima | Desde ayer todo va lentísimo por la VPN.",
                         "Wifi sin internet | El portátil está conectado al wifi pero no tiene internet.",
                         "La VPN pide credenciales sin parar | {vpn} me pide las credenciales una y otra vez "
                         "y nunca conecta.",
                         "Toma de red sin servicio | La toma de red de mi puesto no funciona; no se enciende "
                         "ninguna luz."),
            "details": ("En casa tengo un router {router}.", "El ping a {hostname} no responde.",
                        "Internet funciona bien con {isp}."),
        },
        "outage": {
            "subjects": ("Caída del servicio", "INCIDENCIA", "Incidencia grave", "¿Todo caído?"),
            "problems": ("{system} caído | {system} está caído para toda la oficina, solo sale {http_code}.",
                         "Nadie puede entrar en {system} | Nadie puede entrar en {system} desde las {time} "
                         "aproximadamente.",
                         "Caída total en {site} | Toda la sede de {site} se ha quedado sin internet y sin "
                         "teléfono.",
                         "El correo no funciona para nadie | Desde las {time} no llega ningún correo a todo "
                         "el departamento.",
                         "Unidad de red desaparecida | La unidad de red {share} ha desaparecido para todos.",
                         "Web caída | Nuestra web no funciona, los clientes ven {http_code}.",
                         "Centralita caída | La centralita telefónica está caída: no entran ni salen "
                         "llamadas.",
                         "Sin internet en toda la oficina | Toda la oficina está sin internet desde las "
                         "{time}."),
            "details": ("Afecta a unas {n} personas.", "La página de estado dice que todo va bien, pero no.",
                        "Empezó justo después del mantenimiento de anoche."),
        },
        "how_to": {
            "subjects": ("Consulta rápida", "Consulta para IT", "¿Cómo se hace?", "Duda"),
            "problems": (
                "Respuesta automática | ¿Cómo configuro una respuesta automática de ausencia en Outlook?",
                "Compartir calendario | ¿Cómo puedo compartir mi calendario con {person}?",
                "Añadir impresora {printer} | ¿Cómo añado la impresora {printer} a mi portátil?",
                "Correo en el móvil | ¿Hay alguna guía para tener el correo del trabajo en mi móvil "
                "personal?",
                "Enviar archivos grandes | ¿Cómo envío archivos grandes a un cliente externo?",
                "Reservar una sala | ¿Cómo reservo en Outlook una sala de reuniones con videoconferencia?",
                "Correo cifrado | ¿Cómo envío un correo cifrado a un cliente?",
                "Escanear a correo | ¿Cómo escaneo un documento en {printer} y me lo envío por correo?"),
            "details": ("No he encontrado nada en la intranet.", "Con un paso a paso corto me vale.",
                        "Uso {app} versión {version}."),
        },
        "billing_licence": {
            "subjects": ("Consulta de licencia", "Consulta de facturación", "Licencias", "Factura"),
            "problems": (
                "{app} sin licencia | {app} dice de repente 'producto sin licencia' y solo deja leer.",
                "Factura {invoice} incorrecta | Hemos recibido la factura {invoice} por {amount}, pero dimos "
                "de baja dos licencias.",
                "Presupuesto {licence} | ¿Nos podéis enviar presupuesto para cinco licencias más de "
                "{licence}?",
                "Número de pedido erróneo | El número de pedido de la factura {invoice} es incorrecto y no "
                "podemos pagarla.",
                "¿Cobro duplicado? | Parece que la suscripción de {month} se ha cobrado dos veces.",
                "Número de licencias | ¿Cuántas licencias de {licence} tenemos ahora mismo? Lo necesitamos "
                "para la renovación.",
                "Factura a nombre antiguo | La factura {invoice} va a nuestro antiguo nombre de empresa, "
                "¿podéis emitirla de nuevo?",
                "Solicitud de abono | Enviadnos una factura de abono por las licencias dadas de baja en "
                "{month}, por favor."),
            "details": ("Nuestro número de cliente: {customer_no}.", "El número de pedido correcto es {po}.",
                        "Error de activación: {licence_code}."),
        },
        "spam_phishing": {
            "subjects": ("Correo sospechoso", "¿Phishing?", "¿Es legítimo este correo?", "Posible fraude"),
            "problems": (
                "RV: Su buzón está lleno | He recibido un correo que dice que borrarán mi buzón si no lo "
                "'verifico'.",
                "Falso director | Alguien se hace pasar por nuestro director general y pide tarjetas regalo.",
                "Phishing de {phish_sender} | El remitente es {phish_sender}, parece phishing.",
                "Factura falsa | Una factura falsa con un ZIP adjunto de un proveedor desconocido.",
                "Falso buzón de voz | Me ha llegado un correo de un mensaje de voz con un adjunto HTML, ¿es "
                "falso, verdad?",
                "DocuSign sospechoso | Un correo de 'DocuSign' me pide iniciar sesión para revisar un "
                "contrato que no conozco.",
                "Banco falso | Alguien se hace pasar por nuestro banco por SMS y correo y pide confirmar "
                "datos de tarjeta."),
            "details": ("No he pinchado en nada.", "El enlace lleva a {phish_url}.",
                        "El correo llegó a las {time}."),
            "problems_compromised": (
                "Pinché en un enlace falso | Pinché en el enlace y escribí mi contraseña antes de darme "
                "cuenta de que era falso.",
                "Aprobé un MFA por error | Aprobé una solicitud MFA que no era mía.",
                "Abrí un adjunto | Abrí el adjunto de una factura falsa."),
            "details_compromised": ("Ya he cambiado la contraseña.", "He desconectado el portátil de la red.",
                                    "Fue hacia las {time}."),
            "urgency": {
                "HIGH": ("¿Podéis revisar mi cuenta rápido? Me temo que está comprometida.",
                         "¿Qué hago ahora? Respondedme cuanto antes, por favor."),
                "CRITICAL": ("Creo que alguien está dentro de mi cuenta ahora mismo, ¡bloqueadla ya!",
                             "Llamadme ya al {phone}, puede ser una brecha de seguridad."),
            },
        },
    },
    "followups": {
        "chase": ("¿Hay alguna novedad sobre esto?", "Vuelvo a escribir: ¿alguien lo está mirando?",
                  "El problema sigue igual."),
        "info": ("Añado: también pasa en mi otro {device}.", "El código de error era {win_code}.",
                 "Ahora hay dos compañeros más afectados."),
        "metoo": ("Aquí igual, tampoco podemos entrar.", "La sede de {site} también está afectada.",
                  "Mismo problema desde las {time}."),
    },
    "ooo": {
        "subjects": ("Respuesta automática: {orig}", "Fuera de la oficina: {orig}", "Ausente: {orig}"),
        "bodies": (
            "Gracias por su mensaje. Estaré fuera de la oficina hasta el {return_date}. Para asuntos "
            "urgentes, contacte con {colleague} ({colleague_email}).\n\nUn saludo,\n{name}",
            "Estoy de vacaciones y vuelvo el {return_date}. Su correo no será reenviado.",
            "Estoy de viaje hasta el {return_date} con acceso limitado al correo.\n\nI am travelling until "
            "{return_date} with limited access to email."),
    },
    "spam": {
        "invoice": {
            "senders": ("Departamento de facturación", "Cobros", "Administración"),
            "subjects": ("Factura pendiente {invoice}", "Último aviso de pago", "Recordatorio de pago"),
            "bodies": (
                "Buenos días,\n\nAdjuntamos la factura {invoice} por {amount}, vencida hace 30 días. Rogamos "
                "el pago hoy mismo: {link}\n\nAdministración",
                "Cambio de cuenta bancaria | Hemos cambiado de cuenta bancaria. Abone la factura {invoice} "
                "en la nueva cuenta y confirme los datos en {link}"),
        },
    },
    "_quote_header": "El {date}, {name} <{email}> escribió:",
    "_forward_header": "---------- Mensaje reenviado ----------",
    "_reply_prefix": "RE: ",
    "_forward_prefix": "RV: ",
    "_support_subject": "[{ticket}] Su solicitud: {subject}",
    "_months": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                "octubre", "noviembre", "diciembre"),
    "_date_format": "{weekday_name}, {day} de {month_name} de {year}",
    "_weekday_names": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
