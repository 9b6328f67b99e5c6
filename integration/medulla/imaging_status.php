<?php
/*
 * Medulla console page "Imaging server status (live)": shows the Medulla
 * Imaging Status tab in an iframe, signed in as the console's user.
 *
 * Goes to web/modules/imaging/manage/imaging_status.php; registered by the
 * lines of infoPackage.snippet.php. See README.md beside this file.
 *
 * This file is part of Medulla Imaging Status, GPL-3.0-or-later.
 */

require_once("modules/imaging/includes/includes.php");
require_once("modules/imaging/manage/localSidebar.php");
require_once("graph/navbar.inc.php");

$p = new PageGenerator(_T("Imaging server status", "imaging"));
$p->setSideMenu($sidemenu);
$p->display();

// Where the tab is served (see apache-imaging-status.conf).
$tabUrl = "/imaging-status/";

// A single sign-on token for the signed-in user: the tab opens its own agent
// session with base.tokenAuthenticate, without asking for the password.
$login = $_SESSION['login'];
$lang = substr(isset($_SESSION['lang']) ? $_SESSION['lang'] : 'en', 0, 2);
$token = xmlCall("base.createAuthToken", array($login, $_SERVER['SERVER_NAME'], $lang));

$query = array("embed" => "1", "lang" => $lang);
if (!empty($_GET['location'])) {
    $query["entity"] = $_GET['location'];
}
// The token travels in the URL fragment: browsers never send a fragment to a
// server, so it reaches no access log; the tab removes it at once.
$src = $tabUrl . "?" . http_build_query($query)
     . "#" . http_build_query(array("login" => $login, "token" => $token));
?>
<iframe id="imaging-status-tab" title="<?php echo htmlspecialchars(_T("Imaging server status", "imaging"), ENT_QUOTES); ?>"
        src="<?php echo htmlspecialchars($src, ENT_QUOTES); ?>"
        style="display: block; width: 100%; height: 420px; border: 0;"></iframe>
<script type="text/javascript">
(function () {
    var frame = document.getElementById("imaging-status-tab");
    var tabOrigin = new URL(frame.src, window.location.href).origin;
    window.addEventListener("message", function (event) {
        var message = event.data;
        if (event.origin !== tabOrigin || !message || message.source !== "medulla-imaging-status") {
            return;
        }
        if (message.type === "height") {
            frame.style.height = message.height + "px";
        }
        if (message.type === "status") {
            // Badge the menu entry with the selected entity's status.
            var link = document.querySelector('a[href*="action=imaging_status"]');
            if (link) {
                link.setAttribute("data-imaging-status", message.status);
                link.title = message.label;
            }
        }
    });
})();
</script>
