import { Module } from '@nestjs/common';
import { CaCertificateController } from './ca-certificate.controller';
import { CaCertificateService } from './ca-certificate.service';

@Module({ controllers: [CaCertificateController], providers: [CaCertificateService] })
export class CaCertificateModule {}
