"""What Terraform resource types are, as data: which hold state whose loss is irreversible, which
attributes guard (or void) that state on destroy, and which attribute values name a target.

Tables, not if-chains. Add a type here and the analyzer picks it up; nothing else changes.
"""

from __future__ import annotations

# Resource types whose deletion (or replacement — the new object starts empty even with
# create_before_destroy) loses data, keys or identities that cannot be recreated from config:
# databases, buckets, volumes, snapshots, clusters, file systems, DNS zones, KMS keys, secrets,
# queues/streams, registries, and IAM principals that others reference by id.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        # --- AWS
        "aws_db_instance", "aws_rds_cluster", "aws_rds_global_cluster", "aws_db_snapshot",
        "aws_db_cluster_snapshot", "aws_docdb_cluster", "aws_docdb_elastic_cluster",
        "aws_neptune_cluster", "aws_redshift_cluster", "aws_redshiftserverless_namespace",
        "aws_dynamodb_table", "aws_dynamodb_global_table", "aws_elasticache_cluster",
        "aws_elasticache_replication_group", "aws_elasticache_serverless_cache",
        "aws_memorydb_cluster", "aws_opensearch_domain", "aws_elasticsearch_domain",
        "aws_timestream_database", "aws_timestream_table", "aws_keyspaces_keyspace",
        "aws_keyspaces_table", "aws_qldb_ledger", "aws_lightsail_database",
        "aws_s3_bucket", "aws_s3_directory_bucket", "aws_s3_object", "aws_s3_bucket_object",
        "aws_glacier_vault", "aws_backup_vault", "aws_lightsail_bucket",
        "aws_ebs_volume", "aws_ebs_snapshot", "aws_efs_file_system",
        "aws_fsx_lustre_file_system", "aws_fsx_windows_file_system",
        "aws_fsx_ontap_file_system", "aws_fsx_openzfs_file_system",
        "aws_eks_cluster", "aws_msk_cluster", "aws_msk_serverless_cluster",
        "aws_kinesis_stream", "aws_sqs_queue", "aws_mq_broker",
        "aws_kms_key", "aws_kms_replica_key", "aws_secretsmanager_secret", "aws_ssm_parameter",
        "aws_acmpca_certificate_authority", "aws_route53_zone", "aws_cloudwatch_log_group",
        "aws_ecr_repository", "aws_codecommit_repository", "aws_cognito_user_pool",
        "aws_iam_role", "aws_iam_user", "aws_iam_access_key",
        "aws_secretsmanager_secret_version", "aws_ami", "aws_ami_copy", "aws_lightsail_disk",
        "aws_docdb_global_cluster", "aws_neptune_global_cluster",
        "aws_elasticache_global_replication_group", "aws_dsql_cluster",
        "aws_timestream_influxdb_db_instance", "aws_opensearchserverless_collection",
        "aws_dynamodb_table_item", "aws_s3tables_table_bucket", "aws_s3tables_table",
        "aws_glue_catalog_database", "aws_glue_catalog_table", "aws_ds_directory",
        "aws_cloudhsm_v2_cluster", "aws_organizations_account",
        "aws_organizations_organizational_unit",
        # --- Google Cloud
        "google_project", "google_folder", "google_sql_database_instance", "google_sql_database",
        "google_alloydb_cluster", "google_spanner_instance", "google_spanner_database",
        "google_bigtable_instance", "google_bigtable_table", "google_bigquery_dataset",
        "google_bigquery_table", "google_firestore_database", "google_redis_instance",
        "google_storage_bucket", "google_storage_bucket_object", "google_compute_disk",
        "google_compute_region_disk", "google_compute_snapshot", "google_filestore_instance",
        "google_container_cluster", "google_pubsub_topic", "google_pubsub_subscription",
        "google_kms_key_ring", "google_kms_crypto_key", "google_secret_manager_secret",
        "google_secret_manager_secret_version", "google_dns_managed_zone",
        "google_artifact_registry_repository", "google_sourcerepo_repository",
        "google_service_account", "google_firestore_document", "google_alloydb_backup",
        "google_compute_image", "google_compute_machine_image", "google_healthcare_dataset",
        "google_healthcare_fhir_store", "google_healthcare_dicom_store", "google_netapp_volume",
        "google_logging_project_bucket_config", "google_bigquery_reservation",
        # --- Azure
        "azurerm_resource_group", "azurerm_storage_account", "azurerm_storage_container",
        "azurerm_storage_blob", "azurerm_storage_share", "azurerm_storage_queue",
        "azurerm_storage_table", "azurerm_storage_data_lake_gen2_filesystem",
        "azurerm_managed_disk", "azurerm_snapshot", "azurerm_mssql_server",
        "azurerm_mssql_database", "azurerm_mssql_managed_instance", "azurerm_sql_server",
        "azurerm_sql_database", "azurerm_postgresql_server", "azurerm_postgresql_database",
        "azurerm_postgresql_flexible_server", "azurerm_postgresql_flexible_server_database",
        "azurerm_mysql_server", "azurerm_mysql_database", "azurerm_mysql_flexible_server",
        "azurerm_mysql_flexible_database", "azurerm_mariadb_server", "azurerm_cosmosdb_account",
        "azurerm_cosmosdb_sql_database", "azurerm_cosmosdb_sql_container",
        "azurerm_cosmosdb_mongo_database", "azurerm_cosmosdb_mongo_collection",
        "azurerm_redis_cache", "azurerm_key_vault", "azurerm_key_vault_key",
        "azurerm_key_vault_secret", "azurerm_key_vault_certificate", "azurerm_kubernetes_cluster",
        "azurerm_dns_zone", "azurerm_private_dns_zone", "azurerm_servicebus_namespace",
        "azurerm_servicebus_queue", "azurerm_servicebus_topic", "azurerm_eventhub_namespace",
        "azurerm_eventhub", "azurerm_container_registry", "azurerm_recovery_services_vault",
        "azurerm_data_protection_backup_vault", "azurerm_log_analytics_workspace",
        "azurerm_user_assigned_identity", "azurerm_mssql_managed_database",
        "azurerm_mariadb_database", "azurerm_cosmosdb_cassandra_keyspace",
        "azurerm_cosmosdb_cassandra_table", "azurerm_cosmosdb_gremlin_database",
        "azurerm_cosmosdb_gremlin_graph", "azurerm_cosmosdb_table",
        "azurerm_cosmosdb_postgresql_cluster", "azurerm_synapse_workspace",
        "azurerm_synapse_sql_pool", "azurerm_kusto_cluster", "azurerm_kusto_database",
        "azurerm_netapp_account", "azurerm_netapp_volume", "azurerm_redis_enterprise_cluster",
        "azurerm_redis_enterprise_database", "azurerm_storage_data_lake_gen2_path",
        "azurerm_app_configuration", "azurerm_key_vault_managed_hardware_security_module",
        "azurerm_shared_image_version", "azurerm_subscription", "azurerm_management_group",
        # --- Kubernetes
        "kubernetes_namespace", "kubernetes_namespace_v1",
        "kubernetes_persistent_volume_claim", "kubernetes_persistent_volume_claim_v1",
        "kubernetes_persistent_volume", "kubernetes_persistent_volume_v1",
        "kubernetes_stateful_set", "kubernetes_stateful_set_v1",
        "kubernetes_secret", "kubernetes_secret_v1",
        # --- other providers whose objects hold data: databases, repositories, secrets
        "postgresql_database", "postgresql_schema", "mysql_database", "mssql_database",
        "mongodbatlas_cluster", "mongodbatlas_advanced_cluster",
        "mongodbatlas_serverless_instance", "snowflake_database", "snowflake_schema",
        "snowflake_table", "digitalocean_database_cluster", "digitalocean_volume",
        "digitalocean_spaces_bucket", "cloudflare_zone", "cloudflare_r2_bucket",
        "github_repository", "gitlab_project", "gitlab_group", "tfe_workspace",
        "tfe_organization", "vault_mount", "vault_kv_secret_v2", "vault_kv_secret",
        "vault_generic_secret", "vault_pki_secret_backend_root_cert",
    }
)

# Attributes that decide what a destroy does to the data: (name, the value that makes it
# worse or None to always show it, meaning, that value destroys all the data at once — the
# equivalent of `rds delete-db-instance --skip-final-snapshot` or `aws s3 rb --force`, so
# Risk.MASS_DESTRUCTION). Read from the prior object (`before`): that is what the provider
# acts on when it deletes.
DESTROY_GUARDS: tuple[tuple[str, object, str, bool], ...] = (
    ("skip_final_snapshot", True, "no final snapshot: the data is gone", True),
    ("final_snapshot_identifier", None, "final snapshot", False),
    ("force_destroy", True, "deletes all contents", True),
    ("force_delete", True, "deletes all contents", True),
    ("delete_contents_on_destroy", True, "deletes all contents", True),
    ("deletion_protection", False, "deletion protection off", False),
    ("deletion_protection_enabled", False, "deletion protection off", False),
    ("enable_deletion_protection", False, "deletion protection off", False),
    ("delete_automated_backups", True, "automated backups deleted too", False),
    ("recovery_window_in_days", 0, "deleted without recovery window", False),
    ("purge_protection_enabled", False, "purge protection off", False),
    ("skip_final_backup", True, "no final backup: the data is gone", True),
    ("final_snapshot", False, "no final snapshot", False),
    ("archive_on_destroy", False, "the repository is deleted, not archived", False),
    ("deletion_policy", "DELETE", "deleted, not abandoned", False),
    ("skip_destroy", True, "kept on destroy: only removed from the state", False),
    ("skip_delete", True, "kept on destroy: only removed from the state", False),
)
# Types whose destruction destroys everything inside them, managed by Terraform or not
# (`kubectl delete ns`, a resource group, a project): always mass destruction.
CONTAINER_TYPES: frozenset[str] = frozenset(
    {
        "kubernetes_namespace", "kubernetes_namespace_v1", "azurerm_resource_group",
        "google_project", "google_folder", "aws_organizations_account",
        "aws_organizations_organizational_unit", "azurerm_subscription",
        "azurerm_management_group", "vault_mount", "tfe_organization", "gitlab_group",
    }
)
DESTROY_GUARD_NAMES = tuple(g[0] for g in DESTROY_GUARDS)

# Resource values that name an inventory target, whatever the type: attribute -> target kind.
VALUE_TARGETS: tuple[tuple[str, str], ...] = (
    ("project", "gcp_project"),
    ("resource_group_name", "resource_group"),
    ("bucket", "bucket"),
)
# Attributes holding an ARN, whose 5th field is the AWS account id.
ARN_ATTRS: tuple[str, ...] = ("arn", "role_arn", "kms_key_arn")

# Per type: (attribute, target kind) where the resource's own name is the target.
TYPE_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "google_storage_bucket": (("name", "bucket"),),
    "google_project": (("project_id", "gcp_project"),),
    "azurerm_resource_group": (("name", "resource_group"),),
    "azurerm_storage_container": (("name", "bucket"),),
    "aws_caller_identity": (("account_id", "aws_account"),),
}
# Kubernetes resources carry `metadata` (a one-element list in the kubernetes provider's
# schema); these types are the namespace itself, every other kubernetes_* type lives in one.
K8S_NAMESPACE_TYPES: frozenset[str] = frozenset({"kubernetes_namespace", "kubernetes_namespace_v1"})
K8S_TYPE_PREFIX = "kubernetes_"
# Generic manifest resources (`kubernetes_manifest`: `manifest` object; `kubectl_manifest`:
# `yaml_body_parsed`/`yaml_body` text): what they are depends on the object's `kind`.
MANIFEST_TYPES: frozenset[str] = frozenset({"kubernetes_manifest", "kubectl_manifest"})
# Manifest kinds -> is it a container (everything inside goes with it). All of them hold state.
# A CustomResourceDefinition takes every custom resource of its kind with it.
STATEFUL_MANIFEST_KINDS: dict[str, bool] = {
    "Namespace": True, "CustomResourceDefinition": True, "PersistentVolumeClaim": False,
    "PersistentVolume": False, "StatefulSet": False, "Secret": False,
}
# Data sources whose read runs something: a `read` of these during apply is an execute.
EXECUTE_DATA_SOURCES: frozenset[str] = frozenset({"external"})
