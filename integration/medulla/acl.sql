-- Medulla Imaging Status: the ACL entry of its console page,
-- imaging#manage#imaging_status, given with the features that already give
-- the console's imaging status page (imaging#manage#index), with the same
-- labels. ACLs are rebuilt from admin.acl_feature_definitions at each login.
-- Replay-safe: run it again after any change, or after an upgrade of Medulla
-- that rewrote the table.
--   mysql admin < /usr/share/medulla-imaging-status/integration/acl.sql
SET NAMES utf8mb4;
START TRANSACTION;
DELETE FROM acl_feature_definitions WHERE acl_entry = 'imaging#manage#imaging_status';
INSERT INTO acl_feature_definitions (feature_key, label, description, category, superadmin_only, acl_entry, access_type)
SELECT feature_key, MIN(label), MIN(description), MIN(category), MIN(superadmin_only),
       'imaging#manage#imaging_status', MIN(access_type)
FROM acl_feature_definitions
WHERE acl_entry = 'imaging#manage#index'
GROUP BY feature_key;
COMMIT;
