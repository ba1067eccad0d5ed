import { Module } from '@nestjs/common';
import { AclRuleModule } from '../acl-rules/acl-rule.module';
import { AuthorizationCheckController } from './authorization-check.controller';
import { AuthorizationCheckService } from './authorization-check.service';
import { AuthorizerController } from './authorizer.controller';
import { AuthorizerService } from './authorizer.service';

@Module({
  imports: [AclRuleModule],
  controllers: [AuthorizerController, AuthorizationCheckController],
  providers: [AuthorizerService, AuthorizationCheckService],
  exports: [AuthorizerService],
})
export class AuthorizerModule {}
