//! A faithful simulator of Alibaba Cloud (STS, VPC, RDS, NLB, PrivateLink) and TiDB Cloud.
