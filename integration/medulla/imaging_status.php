<?php
/*
 * Medulla console page "Imaging server status (live)": the Medulla Imaging
 * Status tab in an iframe, signed in as the console's user.
 *
 * Installed as web/modules/imaging/manage/imaging_status.php by apply.sh
 * (see README.md beside this file), which also registers the page, its
 * sidebar entry, and re-applies both after an upgrade of the console.
 *
 * This file is part of Medulla Imaging Status, GPL-3.0-or-later.
 */

require_once("modules/imaging/includes/includes.php");
require_once("modules/imaging/manage/localSidebar.php");
require_once("graph/navbar.inc.php");

$p = new PageGenerator(_T("Imaging server status (live)", "imaging"));
$p->setSideMenu($sidemenu);
$p->display();

// Where the tab is served (see the package's /etc/apache2/conf-available/medulla-imaging-status.conf).
$tabUrl = "/imaging-status/";

// A sign-on token for the signed-in user, made as the console makes them
// (get_token(), web/includes/config.inc.php: a row of admin.magic_link,
// valid magic_link_ttl_minutes). The tab opens its own session with
// base.tokenAuthenticate, without asking for the password.
$login = $_SESSION['login'];
$token = get_token($login);
$lang = substr(isset($_SESSION['lang']) ? $_SESSION['lang'] : 'en', 0, 2);

// sso=1: the tab waits for the token, handed by message below.
$query = array("embed" => "1", "sso" => "1", "lang" => $lang);
if (!empty($_GET['location']) && preg_match('/^UUID[0-9]+$/', $_GET['location'])) {
    $query["entity"] = $_GET['location'];
}
$src = $tabUrl . "?" . http_build_query($query);
$signOn = json_encode(array("login" => $login, "token" => $token), JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT);
?>
<iframe id="imaging-status-tab" title="<?php echo htmlspecialchars(_T("Imaging server status", "imaging"), ENT_QUOTES); ?>"
        src="<?php echo htmlspecialchars($src, ENT_QUOTES); ?>"
        style="display: block; width: 100%; height: 420px; border: 0;"></iframe>
<script type="text/javascript" id="imaging-status-sign-on">
// Used once, when the tab says it is ready, then dropped with this element.
window.imagingStatusSignOn = <?php echo $signOn; ?>;
</script>
<script type="text/javascript">
(function () {
    var frame = document.getElementById("imaging-status-tab");
    var tabOrigin = new URL(frame.src, window.location.href).origin;
    window.addEventListener("message", function (event) {
        var message = event.data;
        if (event.origin !== tabOrigin || event.source !== frame.contentWindow
            || !message || message.source !== "medulla-imaging-status") {
            return;
        }
        if (message.type === "ready" && window.imagingStatusSignOn) {
            var signOn = window.imagingStatusSignOn;
            window.imagingStatusSignOn = null;
            var element = document.getElementById("imaging-status-sign-on");
            if (element) {
                element.parentNode.removeChild(element);
            }
            frame.contentWindow.postMessage({source: "medulla-console", type: "sign-on",
                                             login: signOn.login, token: signOn.token}, tabOrigin);
        }
        if (message.type === "height") {
            frame.style.height = message.height + "px";
        }
        if (message.type === "status") {
            // Badge the sidebar entry with the selected entity's status.
            var link = document.querySelector('a[href*="action=imaging_status"]');
            if (link) {
                link.setAttribute("data-imaging-status", message.status);
                link.title = message.label;
            }
        }
    });
})();
</script>
