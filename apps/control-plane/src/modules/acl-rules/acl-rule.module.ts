import { Module } from '@nestjs/common';
import { AclRuleController } from './acl-rule.controller';
import { AclRuleService } from './acl-rule.service';

@Module({ controllers: [AclRuleController], providers: [AclRuleService], exports: [AclRuleService] })
export class AclRuleModule {}
