import { Module } from '@nestjs/common';
import { AuthenticatorTestController } from './authenticator-test.controller';
import { AuthenticatorTestService } from './authenticator-test.service';
import { AuthenticatorController } from './authenticator.controller';
import { AuthenticatorService } from './authenticator.service';

@Module({ controllers: [AuthenticatorController, AuthenticatorTestController], providers: [AuthenticatorService, AuthenticatorTestService], exports: [AuthenticatorService] })
export class AuthenticatorModule {}
