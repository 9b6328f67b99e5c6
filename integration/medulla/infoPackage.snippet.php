<?php
/*
 * Add these lines to web/modules/imaging/infoPackage.inc.php, after the
 * "index" page of the "manage" submodule, to register the page.
 */
$page = new Page("imaging_status", _T("Imaging server status (live)", "imaging"));
$submod->addPage($page);
