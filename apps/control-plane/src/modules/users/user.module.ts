import { Module } from '@nestjs/common';
import { UserImportService } from './user-import.service';
import { UserController } from './user.controller';
import { UserService } from './user.service';

@Module({ controllers: [UserController], providers: [UserService, UserImportService] })
export class UserModule {}
